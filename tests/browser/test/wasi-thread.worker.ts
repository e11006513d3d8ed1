// The worker script of the instance-per-thread guest's threads
// (createWasiThreads' `worker`): each thread's backend is a page manager
// attached to the main thread's state buffer, over the same shared memory.
import { serveWasiThread } from "@osal/wasm-guest";
import { createWasmPageManager } from "@osal/wasm-page-manager";

await serveWasiThread((state, memory) =>
  createWasmPageManager({ memory, shared: { state: state as SharedArrayBuffer } }),
);
