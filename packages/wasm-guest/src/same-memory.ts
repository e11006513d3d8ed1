import type { OSMemory } from "@osal/core";

/**
 * Throws a `TypeError` when `os` manages a `WebAssembly.Memory` (exposed as
 * `memory`, as the osal wasm backends do) other than the guest's `memory`.
 * Backends that expose none (a simulated process) are accepted: the caller
 * vouches for them.
 */
export function checkSameMemory(os: OSMemory, memory: WebAssembly.Memory | undefined): void {
  if (memory === undefined) return;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new TypeError("@osal/wasm-guest: options.memory must be a WebAssembly.Memory");
  }
  const own = (os as { readonly memory?: unknown }).memory;
  if (own instanceof WebAssembly.Memory && own !== memory) {
    throw new TypeError(
      "@osal/wasm-guest: the backend manages another WebAssembly.Memory than the guest's; " +
        "create the backend over the guest's memory",
    );
  }
}
