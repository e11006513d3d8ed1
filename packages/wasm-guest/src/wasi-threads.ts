/*
 * Note [Instance per thread]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~
 * The wasi-threads proposal's shape: one module, compiled with a shared
 * (imported) memory, instantiated once per thread. The main instance imports
 * `wasi` `thread-spawn(start_arg: i32) -> i32`; the host starts a new instance
 * of the same module on the same memory in a worker and calls its export
 * `wasi_thread_start(tid, start_arg)`. thread-spawn returns the new thread's
 * id (1 to 0x1FFFFFFF, unique for the process) or a negative value on error.
 *
 * The spawn itself must answer synchronously, but creating a Worker in Node
 * needs `node:worker_threads` (an async import) and every instance's thread
 * ids must be unique: so the ids come from one counter in a SharedArrayBuffer
 * (Atomics.add) that every worker shares, and a worker's own `thread-spawn`
 * takes an id and asks the thread that made the helper to start the worker
 * (the proposal lets the thread start later). The helper's thread tracks
 * every thread it started, so `join()` settles when the last returned.
 *
 * Each worker makes its own osal backend attached to the main thread's state
 * (the page manager's state buffer): functions cannot travel to a worker, so
 * the worker script is the caller's (`worker`, an ES module URL) and calls
 * {@link serveWasiThread} with the function that attaches, which gets
 * `share(os)` and the memory. Every thread's `osal` imports then
 * agree on every page, and growth by any thread is seen by all (one shared
 * memory). Rejected: funnelling every thread's mmap to the main thread
 * (a round trip per call, and a main thread that blocks in Atomics.wait cannot
 * answer; browsers forbid waiting on the main thread at all); a worker script
 * of this package that imports the backend module by URL (a dynamic import of
 * a runtime URL, which bundlers and test runners rewrite or refuse in workers).
 */
import type { OSMemory } from "@osal/core";
import type { GuestImportsOptions } from "./guest-imports.js";
import {
  type SpawnMessage,
  startThreadWorker,
  type ThreadWorkerData,
} from "./thread-worker-host.js";
import type { serveWasiThread } from "./wasi-thread-worker.js";

/** Options of {@link createWasiThreads}. */
export interface WasiThreadsOptions extends Pick<GuestImportsOptions, "annotation"> {
  /** The guest module: imports a shared `env.memory`, `wasi.thread-spawn`, exports `wasi_thread_start`. */
  readonly module: WebAssembly.Module;
  /** The shared memory every instance imports (as `env.memory`). */
  readonly memory: WebAssembly.Memory;
  /** The backend over `memory` the main instance's `osal` imports use. */
  readonly os: OSMemory;
  /**
   * The worker script each thread runs (an ES module URL): it calls
   * {@link serveWasiThread} with the function that attaches a backend to the
   * main thread's, e.g.
   * `serveWasiThread((state, memory) => createWasmPageManager({ memory, shared: { state } }))`.
   */
  readonly worker: string | URL;
  /** What the workers attach with (structured-cloneable). Default: `os.state`, the page manager's state buffer. */
  readonly share?: (os: OSMemory) => unknown;
}

/** The running threads of one guest. */
export interface WasiThreads {
  /** `{ wasi: { "thread-spawn" } }`: merge into the main instance's imports. */
  readonly imports: { readonly wasi: { readonly "thread-spawn": (startArg: number) => number } };
  /** Threads started so far. */
  readonly spawned: number;
  /** Settles once every thread started so far (and any they start) has returned; rejects with the first thread's error. */
  join(): Promise<void>;
  /** Stops every thread's worker. */
  terminate(): Promise<void>;
}

/** The largest thread id the proposal allows. */
const MAX_TID = 0x1fffffff;
/** `thread-spawn`'s error result (WASI's `EAGAIN`, negated). */
const SPAWN_FAILED = -6;

/**
 * Starts the thread machinery of an instance-per-thread guest (the
 * wasi-threads shape, see Note [Instance per thread]): returns the `wasi`
 * import module for the main instance, whose `thread-spawn` starts a worker
 * (Node's worker_threads or a module Web Worker) running `worker`, whose
 * {@link serveWasiThread} instantiates the same module on the same shared
 * memory, with `osal` imports over a backend attached to `os`'s state, and
 * calls `wasi_thread_start(tid, start_arg)`. The memory must be
 * shared and `os` must be over it.
 */
export async function createWasiThreads(options: WasiThreadsOptions): Promise<WasiThreads> {
  const { memory, os } = options;
  if (typeof SharedArrayBuffer === "undefined" || !(memory.buffer instanceof SharedArrayBuffer)) {
    throw new TypeError(
      "@osal/wasm-guest: createWasiThreads needs a shared memory (new WebAssembly.Memory({ initial, maximum, shared: true })); a browser page must be cross-origin isolated",
    );
  }
  const exportsStart = WebAssembly.Module.exports(options.module).some(
    (entry) => entry.name === "wasi_thread_start" && entry.kind === "function",
  );
  if (!exportsStart) {
    throw new TypeError("@osal/wasm-guest: the guest module exports no wasi_thread_start function");
  }
  const shared = shareOf(os, options);
  const nextTid = new Int32Array(new SharedArrayBuffer(4));
  const base: Omit<ThreadWorkerData, "tid" | "startArg"> = {
    module: options.module,
    memory,
    shared,
    nextTid: nextTid.buffer as SharedArrayBuffer,
    annotation: options.annotation,
  };
  const workerUrl = options.worker;
  const running = new Set<{ terminate(): unknown }>();
  let spawned = 0;
  let firstError: unknown;
  let idle: (() => void) | undefined;
  let failed: ((error: unknown) => void) | undefined;
  const settle = () => {
    if (firstError !== undefined) failed?.(firstError);
    else if (running.size === 0) idle?.();
  };
  const start = (tid: number, startArg: number): void => {
    const worker = startThreadWorker(
      workerUrl,
      { ...base, tid, startArg },
      {
        spawn: (message: SpawnMessage) => start(message.tid, message.startArg),
        exit: (error) => {
          running.delete(worker);
          if (error !== undefined) firstError ??= error;
          settle();
        },
      },
    );
    running.add(worker);
    spawned++;
  };
  await startThreadWorker.ready();
  const spawn = (startArg: number): number => {
    const tid = Atomics.add(nextTid, 0, 1) + 1;
    if (tid > MAX_TID) return SPAWN_FAILED;
    try {
      start(tid, startArg >>> 0);
      return tid;
    } catch {
      return SPAWN_FAILED;
    }
  };
  return {
    imports: { wasi: { "thread-spawn": spawn } },
    get spawned() {
      return spawned;
    },
    join() {
      return new Promise<void>((resolve, reject) => {
        idle = resolve;
        failed = reject;
        settle();
      });
    },
    async terminate() {
      await Promise.all([...running].map((worker) => worker.terminate()));
      running.clear();
      settle();
    },
  };
}

function shareOf(os: OSMemory, options: WasiThreadsOptions): unknown {
  if (typeof options.worker !== "string" && !(options.worker instanceof URL)) {
    throw new TypeError(
      "@osal/wasm-guest: createWasiThreads needs worker, the URL of the worker script that calls serveWasiThread",
    );
  }
  if (options.share !== undefined) return options.share(os);
  const state = (os as { readonly state?: unknown }).state;
  if (!(state instanceof SharedArrayBuffer)) {
    throw new TypeError(
      "@osal/wasm-guest: the backend has no shared state buffer for the thread workers: make it over the shared memory (the page manager shares its state then), or pass share",
    );
  }
  return state;
}
