// The worker script of the instance-per-thread guest's threads
// (createWasiThreads' `worker`): each thread's backend is a page manager
// attached to the main thread's state buffer, over the same shared memory, and
// each thread has its own node:wasi, writing to the file the test named.
import { openSync } from "node:fs";
import { WASI } from "node:wasi";
import { serveWasiThread } from "@osal/wasm-guest";
import { createWasmPageManager } from "@osal/wasm-page-manager";

let wasi;
await serveWasiThread(({ state }, memory) => createWasmPageManager({ memory, shared: { state } }), {
  imports: ({ stdout }) => {
    wasi = new WASI({ version: "preview1", stdout: openSync(stdout, "a") });
    return wasi.getImportObject();
  },
  // The module imports its memory: node:wasi is bound to it through an exports-like object.
  instantiated: (_instance, memory) => wasi.initialize({ exports: { memory } }),
});
