// The module each pthread worker of the Emscripten threads guest imports
// (runEmscriptenGuest's `threads.module`): its host is a page manager attached
// to the main thread's state buffer, over the same shared memory.
import { emscriptenOsal } from "@osal/wasm-guest";
import { createWasmPageManager } from "@osal/wasm-page-manager";

export default (state) =>
  emscriptenOsal({
    backend: ({ memory, source }) => createWasmPageManager({ memory, source, shared: { state } }),
  });
