import type { OSMemory } from "@osal/core";
import { createGuestImports } from "./guest-imports.js";
import type { ThreadWorkerData, ThreadWorkerMessage } from "./thread-worker-host.js";

interface Port {
  post(message: ThreadWorkerMessage): void;
  receive(): Promise<ThreadWorkerData>;
}

async function port(): Promise<Port> {
  const versions = (globalThis as { process?: { versions?: { node?: unknown } } }).process
    ?.versions;
  if (typeof versions?.node === "string") {
    const specifier = "node:worker_threads";
    const { parentPort } = (await import(/* @vite-ignore */ specifier)) as {
      parentPort: {
        postMessage(message: unknown): void;
        once(event: "message", listener: (data: ThreadWorkerData) => void): void;
      };
    };
    return {
      post: (message) => parentPort.postMessage(message),
      receive: () => new Promise((resolve) => parentPort.once("message", resolve)),
    };
  }
  const scope = globalThis as unknown as {
    postMessage(message: unknown): void;
    onmessage: ((event: MessageEvent<ThreadWorkerData>) => void) | null;
  };
  return {
    post: (message) => scope.postMessage(message),
    receive: () =>
      new Promise((resolve) => {
        scope.onmessage = (event) => resolve(event.data);
      }),
  };
}

/** Makes a thread's backend: attached to what `share` gave, over the shared memory. */
export type WasiThreadBackendFactory = (shared: unknown, memory: WebAssembly.Memory) => OSMemory;

/** Options of {@link serveWasiThread}: what else the thread's instance imports. */
export interface ServeWasiThreadOptions {
  /**
   * More import modules for the thread's instance, made in the worker, e.g. a
   * WASI's `wasi_snapshot_preview1` (`new WASI({ version: "preview1" }).getImportObject()`
   * from `node:wasi`). Gets what `share` gave and the shared memory.
   */
  readonly imports?: (shared: unknown, memory: WebAssembly.Memory) => WebAssembly.Imports;
  /**
   * Called with the instance before `wasi_thread_start`, e.g. to bind that WASI
   * to the shared memory the module imports (node:wasi:
   * `wasi.initialize({ exports: { memory } })`).
   */
  readonly instantiated?: (instance: WebAssembly.Instance, memory: WebAssembly.Memory) => void;
}

function runThread(
  channel: Port,
  data: ThreadWorkerData,
  attach: WasiThreadBackendFactory,
  options: ServeWasiThreadOptions,
): void {
  const os = attach(data.shared, data.memory);
  const nextTid = new Int32Array(data.nextTid);
  const spawn = (startArg: number): number => {
    const tid = Atomics.add(nextTid, 0, 1) + 1;
    if (tid > 0x1fffffff) return -6;
    channel.post({ cmd: "spawn", tid, startArg: startArg >>> 0 });
    return tid;
  };
  const instance = new WebAssembly.Instance(data.module, {
    ...options.imports?.(data.shared, data.memory),
    env: { memory: data.memory },
    osal: createGuestImports(os, { memory: data.memory, annotation: data.annotation }),
    wasi: { "thread-spawn": spawn },
  });
  options.instantiated?.(instance, data.memory);
  const start = instance.exports.wasi_thread_start as (tid: number, startArg: number) => void;
  start(data.tid, data.startArg);
}

/**
 * The body of a thread's worker script for `createWasiThreads` (`worker`):
 * waits for the thread's data, makes its backend with `attach` (attached to
 * the main thread's state), instantiates the guest module on the shared
 * memory with `env.memory`, `osal` and `wasi.thread-spawn`, calls
 * `wasi_thread_start(tid, start_arg)`, and reports `done`, or `error` with
 * the message of what failed. Call it once, at the top of the worker module;
 * `options` adds imports (a WASI per thread) for guests that need them.
 */
export async function serveWasiThread(
  attach: WasiThreadBackendFactory,
  options: ServeWasiThreadOptions = {},
): Promise<void> {
  const channel = await port();
  const data = await channel.receive();
  try {
    runThread(channel, data, attach, options);
    channel.post({ cmd: "done" });
  } catch (error) {
    channel.post({ cmd: "error", message: error instanceof Error ? error.message : String(error) });
  }
}
