import type { OSMemory } from "@osal/core";
import type { GuestBackendFactory } from "./guest-backend.js";
import { deferGuestImports, type GuestImportsOptions } from "./guest-imports.js";
import { guestBackendContext, makeGuestBackend } from "./make-guest-backend.js";

/**
 * The part of a WASI implementation the helpers use. Node's `node:wasi` `WASI`
 * (with `version: "preview1"`) and `@bjorn3/browser_wasi_shim`'s `WASI` both
 * have this shape: `wasiImport` is the `wasi_snapshot_preview1` import module,
 * `start(instance)` runs the guest's `_start` and returns its exit code
 * (node: with `returnOnExit`, the default for preview1).
 */
export interface WasiLike {
  /** The `wasi_snapshot_preview1` import module. */
  readonly wasiImport: object;
  /** Runs `_start`; returns the exit code. */
  start(instance: WebAssembly.Instance): number | undefined;
}

/** Options of {@link instantiateWasiGuest}. */
export interface WasiGuestOptions extends Pick<GuestImportsOptions, "annotation"> {
  /** The compiled guest (clang + wasi-libc, importing module `osal`). */
  readonly module: WebAssembly.Module;
  /** The WASI implementation: `node:wasi` or `@bjorn3/browser_wasi_shim`. */
  readonly wasi: WasiLike;
  /**
   * Makes the backend once the guest's memory exists. Required when the guest
   * imports module `osal`; a guest built on its libc's own `mmap` needs none.
   */
  readonly backend?: GuestBackendFactory;
  /**
   * The memory, for a guest that imports it (`--import-memory`): it is given
   * to the guest under the import's own module and name. A guest that exports
   * its memory needs none.
   */
  readonly memory?: WebAssembly.Memory;
  /** More import modules (merged after `wasi_snapshot_preview1` and `osal`). */
  readonly imports?: WebAssembly.Imports;
}

/** An instantiated WASI guest and the backend its `osal` imports use. */
export interface WasiGuest {
  /** The guest instance. */
  readonly instance: WebAssembly.Instance;
  /** Its linear memory. */
  readonly memory: WebAssembly.Memory;
  /** The backend behind its `osal` imports (`undefined` for a guest that imports none). */
  readonly os: OSMemory | undefined;
  /** Runs the guest's `_start` through the WASI implementation; returns the exit code. */
  start(): number;
}

/**
 * Instantiates a wasi-libc guest with `wasi_snapshot_preview1` from `wasi` and
 * the `osal` imports, then makes its backend over the guest's memory and binds
 * the imports to it before anything runs. The backend is made after
 * instantiation because a guest that exports its memory has none before; the
 * imports are deferred until then (a call before it traps). Works the same
 * with `node:wasi` and with `@bjorn3/browser_wasi_shim` (see {@link WasiLike}).
 * A module importing memory without `options.memory`, or importing `osal`
 * without `options.backend`, is a `TypeError`.
 */
export async function instantiateWasiGuest(options: WasiGuestOptions): Promise<WasiGuest> {
  const deferred = deferGuestImports();
  const imports: WebAssembly.Imports = {
    ...options.imports,
    wasi_snapshot_preview1: options.wasi.wasiImport as WebAssembly.ModuleImports,
    osal: deferred.imports,
  };
  const memoryImport = WebAssembly.Module.imports(options.module).find((i) => i.kind === "memory");
  if (memoryImport !== undefined) {
    if (options.memory === undefined) {
      throw new TypeError(
        `@osal/wasm-guest: the guest imports its memory (${memoryImport.module}.${memoryImport.name}); pass options.memory`,
      );
    }
    imports[memoryImport.module] = {
      ...imports[memoryImport.module],
      [memoryImport.name]: options.memory,
    };
  }
  const instance = await WebAssembly.instantiate(options.module, imports);
  const memory = options.memory ?? instance.exports.memory;
  if (!(memory instanceof WebAssembly.Memory)) {
    throw new TypeError("@osal/wasm-guest: the guest neither imports nor exports a memory");
  }
  const os = makeGuestBackend(
    options.module,
    options.backend,
    guestBackendContext(memory, instance.exports, "wasi"),
  );
  if (os !== undefined) deferred.bind(os, { memory, annotation: options.annotation });
  return {
    instance,
    memory,
    os,
    start: () => options.wasi.start(instance) ?? 0,
  };
}
