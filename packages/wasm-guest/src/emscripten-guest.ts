import type { OSMemory } from "@osal/core";
import type { GuestBackendFactory } from "./guest-backend.js";
import { deferGuestImports, type GuestImportsOptions } from "./guest-imports.js";
import { makeGuestBackend } from "./make-guest-backend.js";

/**
 * The factory an Emscripten `-sMODULARIZE` build exports (`createGuest` for the
 * osal guests): called with module overrides, it loads and runs the program.
 */
export type EmscriptenFactory = (moduleArg: Record<string, unknown>) => unknown;

/** Options of {@link runEmscriptenGuest}. */
export interface EmscriptenGuestOptions extends Pick<GuestImportsOptions, "annotation"> {
  /** The build's factory (`require("./zend-osal.js")`). */
  readonly factory: EmscriptenFactory;
  /** The build's compiled `.wasm`. */
  readonly module: WebAssembly.Module;
  /**
   * Makes the backend over the guest's memory; required when the guest imports
   * `osal`. On Emscripten the page manager must take its pages from the guest's
   * `sbrk` (`source: { sbrk: exports.sbrk }`): Emscripten's `sbrk` keeps its own
   * break, and memory grown behind its back would be handed out twice (and
   * leave the JS heap views stale).
   */
  readonly backend?: GuestBackendFactory;
  /** `argv[1..]` of the program. */
  readonly arguments?: readonly string[];
  /** Receives each line the guest writes to stdout (default: dropped). */
  readonly print?: (line: string) => void;
  /** Receives each line the guest writes to stderr (default: dropped). */
  readonly printErr?: (line: string) => void;
}

/** How an Emscripten guest's run ended. */
export interface EmscriptenGuestRun {
  /** `exit()` status or `main`'s return value; 1 when it trapped or aborted. */
  readonly exitCode: number;
  /** The trap or abort, when the guest did not exit normally. */
  readonly error: unknown;
  /** The backend behind its `osal` imports (`undefined` for a libc build). */
  readonly os: OSMemory | undefined;
  /** The guest's linear memory. */
  readonly memory: WebAssembly.Memory | undefined;
}

/**
 * Runs an Emscripten guest whose wasm imports module `osal`. Emscripten's
 * loader (3.1.6) only provides `env` and `wasi_snapshot_preview1`, so this
 * instantiates the module itself through the loader's `instantiateWasm` hook,
 * adding `osal`, and binds the imports to a backend made over the guest's
 * exported memory (and its exports, e.g. `sbrk`) before `main` runs.
 *
 * The build must use `-sMODULARIZE` and `-sEXIT_RUNTIME=1` (so the exit status
 * is reported) and `-sWASM_BIGINT` (so `mmap`'s i64 offset is not split), and
 * `-sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0` so it leaves the host's
 * process handlers alone; `@osal/guests`' `build.sh` shows the full command.
 */
export async function runEmscriptenGuest(
  options: EmscriptenGuestOptions,
): Promise<EmscriptenGuestRun> {
  const deferred = deferGuestImports();
  let exitCode: number | undefined;
  let os: OSMemory | undefined;
  let memory: WebAssembly.Memory | undefined;
  let setupError: unknown;
  const moduleArg: Record<string, unknown> = {
    arguments: [...(options.arguments ?? [])],
    print: options.print ?? (() => {}),
    printErr: options.printErr ?? (() => {}),
    quit: (status: number, toThrow: unknown) => {
      exitCode = status;
      throw toThrow;
    },
    instantiateWasm: (
      imports: WebAssembly.Imports,
      receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) => {
      try {
        const instance = new WebAssembly.Instance(options.module, {
          ...imports,
          osal: deferred.imports,
        });
        const exported = instance.exports.memory;
        if (!(exported instanceof WebAssembly.Memory)) {
          throw new TypeError("@osal/wasm-guest: the Emscripten guest exports no memory");
        }
        memory = exported;
        os = makeGuestBackend(options.module, options.backend, {
          memory,
          exports: instance.exports,
          toolchain: "emscripten",
        });
        if (os !== undefined) deferred.bind(os, { memory, annotation: options.annotation });
        receiveInstance(instance, options.module);
        return instance.exports;
      } catch (error) {
        setupError = error;
        throw error;
      }
    },
  };
  let error: unknown;
  let created: unknown;
  try {
    created = options.factory(moduleArg);
  } catch (caught) {
    if (!isExitStatus(caught)) error = caught;
  }
  // Emscripten 3.1.6 returns the module object and settles `Module.ready` once
  // main has run (an abort rejects it); later versions return a promise.
  // Either is awaited so that a rejection is observed, never left unhandled.
  const pending = isThenable(created) ? created : (moduleArg.ready as Promise<unknown> | undefined);
  if (pending !== undefined) {
    try {
      await pending;
    } catch (caught) {
      if (error === undefined && !isExitStatus(caught)) error = caught;
    }
  }
  if (setupError !== undefined) throw setupError;
  if (error !== undefined) return { exitCode: 1, error, os, memory };
  return { exitCode: exitCode ?? 0, error: undefined, os, memory };
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === "function";
}

function isExitStatus(value: unknown): boolean {
  return (
    typeof value === "object" &&
    value !== null &&
    (value as { name?: unknown }).name === "ExitStatus"
  );
}
