// The module each pthread worker of the Emscripten threads guest imports
// (`threads.module`): its host is a page manager attached to the main
// thread's state buffer, over the same shared memory.
import { type EmscriptenOsalHost, emscriptenOsal } from "@osal/wasm-guest";
import { createWasmPageManager } from "@osal/wasm-page-manager";

export default (state: SharedArrayBuffer): EmscriptenOsalHost =>
  emscriptenOsal({
    backend: ({ memory, source }) => createWasmPageManager({ memory, source, shared: { state } }),
  });
