import type { MmapAnnotation } from "@osal/core";

/** What the thread's worker is sent (structured-cloneable). */
export interface ThreadWorkerData {
  /** The guest module every thread instantiates. */
  readonly module: WebAssembly.Module;
  /** The shared memory. */
  readonly memory: WebAssembly.Memory;
  /** What the worker's backend attaches with (see `share`). */
  readonly shared: unknown;
  /** The process-wide thread id counter (one Int32). */
  readonly nextTid: SharedArrayBuffer;
  /** Annotation of the guest's mappings. */
  readonly annotation: MmapAnnotation | undefined;
  /** This thread's id. */
  readonly tid: number;
  /** The `start_arg` its `wasi_thread_start` is called with. */
  readonly startArg: number;
}

/** A worker's request that the helper's thread start a thread it spawned (its id already taken). */
export interface SpawnMessage {
  readonly cmd: "spawn";
  readonly tid: number;
  readonly startArg: number;
}

/** Messages a thread's worker sends. */
export type ThreadWorkerMessage =
  | SpawnMessage
  | { readonly cmd: "done" }
  | { readonly cmd: "error"; readonly message: string };

/** What the helper hears from one thread's worker. */
export interface ThreadWorkerHandlers {
  /** The thread spawned another. */
  spawn(message: SpawnMessage): void;
  /** The thread returned (`error` undefined) or failed; its worker is stopped. */
  exit(error: unknown): void;
}

/** A started thread worker. */
export interface ThreadWorkerHandle {
  terminate(): unknown;
}

interface NodeWorker {
  on(event: string, listener: (value: never) => void): void;
  postMessage(message: unknown): void;
  terminate(): Promise<number>;
}
type NodeWorkerClass = new (url: URL | string, options?: object) => NodeWorker;

let nodeWorkerClass: NodeWorkerClass | undefined;

function isNode(): boolean {
  const versions = (globalThis as { process?: { versions?: { node?: unknown } } }).process
    ?.versions;
  return typeof versions?.node === "string";
}

/**
 * Starts a worker running `url` (the thread worker script) and sends it
 * `data`; Node's worker_threads in Node (call {@link startThreadWorker.ready}
 * once first), a module Web Worker elsewhere. Synchronous, as `thread-spawn` is.
 */
export function startThreadWorker(
  url: string | URL,
  data: ThreadWorkerData,
  handlers: ThreadWorkerHandlers,
): ThreadWorkerHandle {
  let ended = false;
  const end = (stop: () => unknown, error: unknown) => {
    if (ended) return;
    ended = true;
    stop();
    handlers.exit(error);
  };
  const receive = (message: ThreadWorkerMessage, stop: () => unknown) => {
    if (message.cmd === "spawn") handlers.spawn(message);
    else if (message.cmd === "done") end(stop, undefined);
    else end(stop, new Error(`@osal/wasm-guest: thread ${data.tid}: ${message.message}`));
  };
  if (isNode()) {
    if (nodeWorkerClass === undefined) throw new Error("startThreadWorker.ready() was not awaited");
    const worker = new nodeWorkerClass(url);
    const stop = () => worker.terminate();
    worker.on("message", (message: ThreadWorkerMessage) => receive(message, stop));
    worker.on("error", (error: unknown) => end(stop, error));
    worker.on("exit", (code: number) =>
      end(() => {}, new Error(`@osal/wasm-guest: thread ${data.tid}: worker exited (${code})`)),
    );
    worker.postMessage(data);
    return { terminate: () => end(stop, undefined) };
  }
  const worker = new Worker(url, { type: "module" });
  const stop = () => worker.terminate();
  worker.onmessage = (event: MessageEvent<ThreadWorkerMessage>) => receive(event.data, stop);
  worker.onerror = (event: ErrorEvent) =>
    end(stop, new Error(`@osal/wasm-guest: thread ${data.tid}: ${event.message}`));
  worker.postMessage(data);
  return { terminate: () => end(stop, undefined) };
}

/** Loads what {@link startThreadWorker} needs in this host (Node's Worker class). */
startThreadWorker.ready = async (): Promise<void> => {
  if (!isNode() || nodeWorkerClass !== undefined) return;
  const specifier = "node:worker_threads";
  const threads = (await import(/* @vite-ignore */ specifier)) as { Worker: NodeWorkerClass };
  nodeWorkerClass = threads.Worker;
};
