import type { OSMemory } from "@osal/core";
import { guestBackendById } from "@osal/guests/backends";
import { createWasmPageManager } from "@osal/wasm-page-manager";

// The wasm backends the guests run on come from the one table in
// `@osal/guests/backends`, the same the CLI, the browser tests and the browser
// example use.
export { type GuestBackend, guestBackends } from "@osal/guests/backends";

/** The page manager: `memory.grow` for wasi guests, the guest's `sbrk` for Emscripten. */
export const pageManager = guestBackendById("wasm-page-manager");

/** A page manager over a fresh memory, for the import-layer tests. */
export function freshPageManager(): { os: OSMemory; memory: WebAssembly.Memory } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  return { os: createWasmPageManager({ memory }), memory };
}
