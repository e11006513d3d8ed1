import { runConformance } from "@osal/conformance";
import { createWasmPageManager } from "../src/index.js";
import { FakeSbrk, newMemory } from "./helpers.js";

runConformance(
  "wasm-page-manager",
  () => createWasmPageManager({ maximumBytes: 256 * 1024 * 1024 }),
  { lazyZeroing: true },
);

runConformance(
  "wasm-page-manager (4 KiB pages, a guest's sbrk as the source)",
  () => {
    const memory = newMemory(1, 4096);
    const guest = new FakeSbrk(memory, 5000);
    return createWasmPageManager({ memory, pageSize: 4096, source: guest });
  },
  { model: { runs: 10 }, lazyZeroing: true },
);
