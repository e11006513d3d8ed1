import type { OSMemory } from "@osal/core";
import type {
  GuestBackendContext,
  GuestBackendFactory,
  GuestSbrk,
  GuestToolchain,
} from "./guest-backend.js";

/** True when the compiled guest imports anything from module `osal` (`osal/mman.h`, libosal-mman on wasi-libc). */
export function importsOsal(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some((i) => i.module === "osal");
}

/** True when the guest is linked with libosal-mman for Emscripten (imports `env.osal_*`). */
export function importsOsalLibrary(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.imports(module).some(
    (i) => i.module === "env" && i.name.startsWith("osal_"),
  );
}

/** The context a backend factory gets; `source` is checked when read. */
export function guestBackendContext(
  memory: WebAssembly.Memory,
  exports: WebAssembly.Exports,
  toolchain: GuestToolchain,
): GuestBackendContext {
  return {
    memory,
    exports,
    toolchain,
    get source(): "grow" | GuestSbrk {
      if (toolchain === "wasi") return "grow";
      const sbrk = exports.osal_sbrk ?? exports.sbrk;
      if (typeof sbrk !== "function") {
        throw new TypeError(
          "@osal/wasm-guest: the Emscripten guest exports no sbrk, which the page manager needs: " +
            "link it with osal-guest-flags --libs --toolchain emscripten (libosal-mman exports osal_sbrk), " +
            "or add _sbrk to -sEXPORTED_FUNCTIONS",
        );
      }
      return { sbrk: (increment: number) => (sbrk as (n: number) => number)(increment) };
    },
  };
}

/**
 * Makes the backend for a guest that imports `osal` (a `TypeError` without a
 * factory); a guest that imports nothing from `osal` gets none (its deferred
 * imports stay unbound: nothing can call them). An exception from the factory
 * is rethrown as an `Error` saying so (its `cause` is the original).
 */
export function makeGuestBackend(
  module: WebAssembly.Module,
  factory: GuestBackendFactory | undefined,
  context: GuestBackendContext,
): OSMemory | undefined {
  if (!importsOsal(module) && !importsOsalLibrary(module)) return undefined;
  return callBackendFactory(requireBackendFactory(factory), context);
}

/** The factory, or a `TypeError` naming the fix. */
export function requireBackendFactory(
  factory: GuestBackendFactory | undefined,
): GuestBackendFactory {
  if (typeof factory !== "function") {
    throw new TypeError(
      "@osal/wasm-guest: the guest imports osal's mmap but no backend was given: pass options.backend, " +
        "e.g. ({ memory, source }) => createWasmPageManager({ memory, source })",
    );
  }
  return factory;
}

/** Calls the factory; what it throws comes back as an `Error` saying the factory threw. */
export function callBackendFactory(
  factory: GuestBackendFactory,
  context: GuestBackendContext,
): OSMemory {
  try {
    return factory(context);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`@osal/wasm-guest: the backend factory threw: ${message}`, { cause: error });
  }
}
