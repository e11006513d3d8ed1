import { runConformance } from "@osal/conformance";
import { createWasmPageManager } from "../src/index.js";

runConformance("wasm-page-manager", () =>
  createWasmPageManager({ maximumBytes: 256 * 1024 * 1024 }),
);

runConformance("wasm-page-manager (4 KiB pages, sbrk source)", () => {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 4096 });
  let brk = 4096;
  const sbrk = (increment: number): number => {
    const old = brk;
    const end = old + increment;
    if (end > memory.buffer.byteLength) {
      try {
        memory.grow(Math.ceil((end - memory.buffer.byteLength) / 65536));
      } catch {
        return -1;
      }
    }
    brk = end;
    return old;
  };
  return createWasmPageManager({ memory, pageSize: 4096, source: { sbrk } });
});
