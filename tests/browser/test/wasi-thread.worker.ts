// The worker script of the instance-per-thread guest's threads
// (createWasiThreads' `worker`): each thread's backend is a page manager
// attached to the main thread's state buffer, over the same shared memory, and
// each thread has a WASI of its own (@bjorn3/browser_wasi_shim) whose stdout
// marks "thread <tid>: ok" in the test's shared `said` array.
import { ConsoleStdout, OpenFile, WASI, File as WasiFile } from "@bjorn3/browser_wasi_shim";
import { serveWasiThread } from "@osal/wasm-guest";
import { createWasmPageManager } from "@osal/wasm-page-manager";

interface Shared {
  readonly state: SharedArrayBuffer;
  readonly said: SharedArrayBuffer;
}

let wasi: WASI | undefined;
await serveWasiThread(
  (shared, memory) =>
    createWasmPageManager({ memory, shared: { state: (shared as Shared).state } }),
  {
    imports: (shared) => {
      const said = new Int32Array((shared as Shared).said);
      const stdout = ConsoleStdout.lineBuffered((line) => {
        const ok = /^thread (\d+): ok$/.exec(line);
        if (ok) Atomics.store(said, Number(ok[1]), 1);
      });
      wasi = new WASI([], [], [new OpenFile(new WasiFile([])), stdout, stdout]);
      return { wasi_snapshot_preview1: wasi.wasiImport };
    },
    // The module imports its memory: the WASI reads it through an exports-like object.
    instantiated: (_instance, memory) =>
      wasi?.initialize({ exports: { memory, _initialize: () => {} } } as never),
  },
);
