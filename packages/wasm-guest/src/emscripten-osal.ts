import type { OSMemory } from "@osal/core";
import type { GuestBackendFactory } from "./guest-backend.js";
import { createGuestImports, type GuestImportsOptions, type OsalImports } from "./guest-imports.js";
import {
  callBackendFactory,
  guestBackendContext,
  requireBackendFactory,
} from "./make-guest-backend.js";

/** Options of {@link emscriptenOsal}. */
export interface EmscriptenOsalOptions extends Pick<GuestImportsOptions, "annotation"> {
  /**
   * Makes the backend over the guest's memory. Its context's `source` is the
   * guest's `sbrk`: pass it on (`createWasmPageManager({ memory, source })`).
   */
  readonly backend: GuestBackendFactory;
  /**
   * For `-pthread` builds: how each pthread worker gets a host of its own over
   * the same backend state. Without it, a `-pthread` program aborts when
   * Emscripten loads its first worker, naming this option.
   */
  readonly threads?: EmscriptenThreadsOptions;
}

/**
 * How the pthread workers of an Emscripten `-pthread` program reach the main
 * thread's backend. Emscripten's worker.js makes a Module of its own in each
 * worker, so functions cannot travel there: the worker imports `module` (an
 * ES module URL) and calls its default export with `share(backend)`; that
 * returns the worker's host (`emscriptenOsal({ backend })` over a backend
 * attached to the shared state), e.g. for the page manager:
 *
 * ```js
 * // thread-osal.js
 * export default (state) => emscriptenOsal({
 *   backend: ({ memory, source }) => createWasmPageManager({ memory, source, shared: { state } }),
 * });
 * ```
 */
export interface EmscriptenThreadsOptions {
  /** The ES module each pthread worker imports (absolute URL, e.g. `new URL("./thread-osal.js", import.meta.url)`). */
  readonly module: string | URL;
  /**
   * What a worker needs to attach to the backend, structured-cloneable.
   * Default: the backend's `state` (the page manager's state buffer), which must
   * be a `SharedArrayBuffer`.
   */
  readonly share?: (backend: OSMemory) => unknown;
}

/** What a pthread worker is sent: see {@link EmscriptenThreadsOptions}. */
export interface EmscriptenThreadData {
  /** The URL of the module the worker imports. */
  readonly module: string;
  /** The argument of its default export. */
  readonly shared: unknown;
}

/** What the shipped JS library hands the host once the instance exists. */
export interface EmscriptenOsalBinding {
  /** The guest's linear memory. */
  readonly memory: WebAssembly.Memory;
  /** The instance's exports. */
  readonly exports: WebAssembly.Exports;
}

/**
 * The osal host of an Emscripten program linked with libosal-mman and
 * `emscripten/osal-library.js`: give it to the program's factory as the
 * module argument `osal` (`createProgram({ osal: emscriptenOsal({ backend }) })`).
 * The library calls `bind` before anything runs; it makes the backend and
 * returns the imports. Works the same from ESM and CommonJS (the program's
 * loader never imports this package; it only calls what it was given).
 */
export interface EmscriptenOsalHost {
  /** Called by the JS library: makes the backend and returns the imports. */
  bind(binding: EmscriptenOsalBinding): OsalImports;
  /**
   * Called by the JS library on the main thread of a `-pthread` program, once
   * bound, for each worker Emscripten loads: what the worker needs to make its
   * own host (see {@link EmscriptenThreadsOptions}).
   */
  thread(): EmscriptenThreadData;
  /** The backend, once bound. */
  readonly backend: OSMemory | undefined;
  /** The setup mistake that stopped the program, if any (also what it aborted with). */
  readonly error: Error | undefined;
}

/**
 * Makes the osal host for an Emscripten program built with
 * `osal-guest-flags --libs --toolchain emscripten`. Setup mistakes (no backend
 * factory, a factory that throws, a guest without `sbrk`, a backend that grows
 * the memory behind Emscripten's `sbrk`) become an `Error` naming the fix,
 * kept in `error`; the program aborts with its message.
 */
export function emscriptenOsal(options: EmscriptenOsalOptions): EmscriptenOsalHost {
  let backend: OSMemory | undefined;
  let error: Error | undefined;
  const remember = (caught: unknown): never => {
    error = caught instanceof Error ? caught : new Error(String(caught));
    throw error;
  };
  return {
    bind({ memory, exports }) {
      try {
        if (backend !== undefined) throw new Error("@osal/wasm-guest: bind() was already called");
        const factory = requireBackendFactory(options?.backend);
        const context = guestBackendContext(memory, exports, "emscripten");
        backend = callBackendFactory(factory, context);
        const imports = createGuestImports(backend, { memory, annotation: options.annotation });
        return watchSbrk(imports, memory, exports, remember);
      } catch (caught) {
        return remember(caught);
      }
    },
    thread() {
      try {
        const threads = options.threads;
        if (threads === undefined) {
          throw new Error(
            "@osal/wasm-guest: this -pthread program's workers need the backend's shared state: pass emscriptenOsal({ backend, threads: { module } }) (or runEmscriptenGuest({ threads }))",
          );
        }
        if (backend === undefined) throw new Error("@osal/wasm-guest: thread() before bind()");
        return { module: String(threads.module), shared: shareOf(backend, threads) };
      } catch (caught) {
        return remember(caught);
      }
    },
    get backend() {
      return backend;
    },
    get error() {
      return error;
    },
  };
}

function shareOf(backend: OSMemory, threads: EmscriptenThreadsOptions): unknown {
  if (threads.share !== undefined) return threads.share(backend);
  const state = (backend as { readonly state?: unknown }).state;
  if (typeof SharedArrayBuffer === "undefined" || !(state instanceof SharedArrayBuffer)) {
    throw new Error(
      "@osal/wasm-guest: the backend has no shared state buffer for the pthread workers: make it over the program's shared memory (the page manager shares its state then), or pass threads.share",
    );
  }
  return state;
}

/**
 * Wraps the imports so that a backend which grows the memory behind
 * Emscripten's `sbrk` (the page manager without `source: { sbrk }`,
 * ghc-megablock) stops the program at its first such call with an error naming
 * the fix, instead of corrupting the heap or spinning in Emscripten's
 * `emscripten_resize_heap`. The check: the memory grew during the call while
 * the break stayed where it was. Not made on a shared memory: there another
 * thread's `sbrk` may grow the memory between moving the break and this call's
 * reads, and the check would stop a correct program.
 */
export function watchSbrk(
  imports: OsalImports,
  memory: WebAssembly.Memory,
  exports: WebAssembly.Exports,
  onError: (error: Error) => never,
): OsalImports {
  const sbrk = (exports.osal_sbrk ?? exports.sbrk) as ((n: number) => number) | undefined;
  if (typeof sbrk !== "function") return imports;
  if (typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer) {
    return imports;
  }
  const watched =
    <A extends unknown[]>(call: (...args: A) => number) =>
    (...args: A): number => {
      const bytes = memory.buffer.byteLength;
      const brk = sbrk(0);
      const result = call(...args);
      if (memory.buffer.byteLength > bytes && sbrk(0) === brk) {
        onError(
          new Error(
            "@osal/wasm-guest: the backend grew the Emscripten guest's memory behind its sbrk " +
              "(Emscripten keeps its own break; those pages would be handed out twice): make the " +
              "backend with the context's source, createWasmPageManager({ memory, source }) or " +
              "createGhcMegablock({ memory, source })",
          ),
        );
      }
      return result;
    };
  return { ...imports, mmap: watched(imports.mmap), mremap: watched(imports.mremap) };
}
