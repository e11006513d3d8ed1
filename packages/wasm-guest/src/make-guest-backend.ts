import type { OSMemory } from "@osal/core";
import type { GuestBackendContext, GuestBackendFactory } from "./guest-backend.js";

/** True when the compiled guest imports anything from module `osal`. */
export function importsOsal(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some((i) => i.module === "osal");
}

/**
 * Makes the backend for a guest that imports `osal` (a `TypeError` without a
 * factory); a guest that imports nothing from `osal` gets none (its deferred
 * imports stay unbound: nothing can call them).
 */
export function makeGuestBackend(
  module: WebAssembly.Module,
  factory: GuestBackendFactory | undefined,
  context: GuestBackendContext,
): OSMemory | undefined {
  if (!importsOsal(module)) return undefined;
  if (factory === undefined) {
    throw new TypeError("@osal/wasm-guest: the guest imports module osal; pass options.backend");
  }
  return factory(context);
}
