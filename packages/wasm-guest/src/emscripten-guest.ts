import type { OSMemory } from "@osal/core";
import { type EmscriptenThreadsOptions, emscriptenOsal, watchSbrk } from "./emscripten-osal.js";
import type { GuestBackendFactory } from "./guest-backend.js";
import { createGuestImports, type GuestImportsOptions, type OsalImports } from "./guest-imports.js";
import {
  callBackendFactory,
  guestBackendContext,
  importsOsal,
  importsOsalLibrary,
  requireBackendFactory,
} from "./make-guest-backend.js";

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
   * osal's mmap. The page manager must take its pages from the guest's `sbrk`,
   * which the context gives as `source` (`createWasmPageManager({ memory, source })`):
   * Emscripten's `sbrk` keeps its own break, and memory grown behind its back
   * would be handed out twice (and leave the JS heap views stale).
   */
  readonly backend?: GuestBackendFactory;
  /**
   * For `-pthread` builds linked with the osal flags: how each pthread worker
   * attaches to the backend (see {@link EmscriptenThreadsOptions}).
   */
  readonly threads?: EmscriptenThreadsOptions;
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
 * Runs an Emscripten guest and reports how it ended. Two kinds of osal guests:
 * - linked with libosal-mman and `emscripten/osal-library.js` (the flags of
 *   `osal-guest-flags --libs --toolchain emscripten`): the module argument
 *   `osal` is set to {@link emscriptenOsal} over `options.backend`;
 * - importing module `osal` directly (`osal/mman.h`): Emscripten's loader only
 *   provides `env` and `wasi_snapshot_preview1`, so `osal` is added through the
 *   loader's `instantiateWasm` hook.
 * Either way the backend is made over the guest's memory before `main` runs,
 * its context's `source` is the guest's `sbrk`, and a backend that grows the
 * memory behind `sbrk` stops the guest with an error naming the fix.
 *
 * Setup mistakes reject with a message that names the fix, never hang: no
 * backend for a guest that needs one, a factory that throws, a guest without
 * `sbrk` for the page manager, a backend growing the memory behind `sbrk`.
 * A trap or abort of the program itself is reported (`error`, exit code 1).
 *
 * The build needs `-sMODULARIZE` and `-sEXIT_RUNTIME=1` (so the exit status is
 * reported); the osal flags add the rest (`-sWASM_BIGINT`).
 */
export async function runEmscriptenGuest(
  options: EmscriptenGuestOptions,
): Promise<EmscriptenGuestRun> {
  const library = importsOsalLibrary(options.module);
  const direct = importsOsal(options.module);
  if (library || direct) requireBackendFactory(options.backend);
  let bound: OsalImports | undefined;
  const forwarding = forwardTo(() => {
    if (bound === undefined)
      throw new Error("@osal/wasm-guest: an osal import was called before setup");
    return bound;
  });
  const host = library
    ? emscriptenOsal({
        backend: options.backend as GuestBackendFactory,
        annotation: options.annotation,
        ...(options.threads === undefined ? {} : { threads: options.threads }),
      })
    : undefined;
  let exitCode: number | undefined;
  let directOs: OSMemory | undefined;
  let memory: WebAssembly.Memory | undefined;
  let setupError: unknown;
  let reportSetupError: (error: unknown) => void = () => {};
  const setupFailed = new Promise<never>((_, reject) => {
    reportSetupError = reject;
  });
  setupFailed.catch(() => {});
  const failSetup = (error: unknown): never => {
    setupError ??= error;
    reportSetupError(setupError);
    throw setupError;
  };
  const moduleArg: Record<string, unknown> = {
    arguments: [...(options.arguments ?? [])],
    print: options.print ?? (() => {}),
    printErr: options.printErr ?? (() => {}),
    quit: (status: number, toThrow: unknown) => {
      exitCode = status;
      throw toThrow;
    },
    ...(host === undefined ? {} : { osal: host }),
    onAbort: (what: unknown) => {
      // A pthread worker's setup mistake arrives as its abort message.
      if (typeof what === "string" && what.startsWith("@osal/wasm-guest:")) {
        setupError ??= new Error(what);
        reportSetupError(setupError);
      }
      if (host?.error !== undefined) {
        setupError ??= host.error;
        reportSetupError(setupError);
      }
    },
    instantiateWasm: (
      imports: WebAssembly.Imports,
      receiveInstance: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
    ) => {
      try {
        const instance = new WebAssembly.Instance(options.module, {
          ...imports,
          ...(direct ? { osal: forwarding } : {}),
        });
        // A -pthread build imports its (shared) memory instead of exporting it.
        const exported = instance.exports.memory ?? imports.env?.memory;
        if (exported instanceof WebAssembly.Memory) memory = exported;
        if (direct) {
          if (memory === undefined) {
            throw new TypeError(
              "@osal/wasm-guest: the Emscripten guest exports no memory; build without -sIMPORTED_MEMORY",
            );
          }
          const context = guestBackendContext(memory, instance.exports, "emscripten");
          directOs = callBackendFactory(options.backend as GuestBackendFactory, context);
          bound = watchSbrk(
            createGuestImports(directOs, { memory, annotation: options.annotation }),
            memory,
            instance.exports,
            failSetup,
          );
        }
        receiveInstance(instance, options.module);
        return instance.exports;
      } catch (error) {
        return failSetup(error);
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
  const pending = isThenable(created) ? created : (moduleArg.ready as Promise<unknown> | undefined);
  if (setupError !== undefined) {
    // The loader rejects its ready promise too: observed here, the setup error is the answer.
    Promise.resolve(pending).catch(() => {});
    stopThreads(moduleArg);
    throw setupError;
  }
  // Emscripten 3.1.6 returns the module object and settles `Module.ready` once
  // main has run (an abort rejects it); later versions return a promise.
  // Either is awaited so that a rejection is observed, never left unhandled;
  // a setup error (which Emscripten may only print) ends the wait.
  if (pending !== undefined) {
    try {
      await Promise.race([pending, setupFailed]);
    } catch (caught) {
      if (error === undefined && !isExitStatus(caught)) error = caught;
    }
  }
  // A setup mistake found during the run (a backend growing the memory behind
  // sbrk) traps the guest; it is the caller's error, not the program's.
  setupError ??= host?.error;
  if (setupError !== undefined) {
    stopThreads(moduleArg);
    throw setupError;
  }
  const os = directOs ?? host?.backend;
  if (error !== undefined) return { exitCode: 1, error, os, memory };
  return { exitCode: exitCode ?? 0, error: undefined, os, memory };
}
/** Imports that call whatever `get()` returns at call time. */
function forwardTo(get: () => OsalImports): OsalImports {
  return {
    mmap: (...args) => get().mmap(...args),
    munmap: (...args) => get().munmap(...args),
    mremap: (...args) => get().mremap(...args),
    mprotect: (...args) => get().mprotect(...args),
    madvise: (...args) => get().madvise(...args),
    page_size: () => get().page_size(),
    set_vma_name: (...args) => get().set_vma_name(...args),
  };
}

/**
 * Stops the pthread workers of a program that did not start (Emscripten's
 * loader fills the module argument in and keeps `PThread` there); its own exit
 * does this on a normal run.
 */
function stopThreads(moduleArg: Record<string, unknown>): void {
  const pthread = moduleArg.PThread as { terminateAllThreads?: () => void } | undefined;
  try {
    pthread?.terminateAllThreads?.();
  } catch {
    // Already stopping: nothing more to stop.
  }
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
