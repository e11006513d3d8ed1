import { OSError } from "./errors.js";
import type { OSProcess } from "./process.js";
import { checkCore, checkCores } from "./validate-calls.js";

interface NodeLikeProcess {
  pid?: number;
  getBuiltinModule?: (id: string) => unknown;
}

interface HostGlobals {
  process?: NodeLikeProcess;
  navigator?: { hardwareConcurrency?: number };
}

/**
 * Process facts of the JS host this code runs in, written once for every backend.
 * Node: `process.pid`, `worker_threads.threadId`, `os.availableParallelism()`.
 * Browser: no pid (0), a per-realm thread id (0 on the main thread, a stable
 * per-worker number otherwise), `navigator.hardwareConcurrency`.
 * Core binding is impossible from JS and throws `ENOTSUP`.
 *
 * Backends extend this and add `getProcessMemoryMaps`.
 */
export abstract class HostProcess implements OSProcess {
  /** The memory map in `/proc/self/maps` format. */
  abstract getProcessMemoryMaps(): string;

  /** `process.pid` in Node, 0 where the host has no process id. */
  getProcessId(): number {
    return host().process?.pid ?? 0;
  }

  /** `worker_threads.threadId` in Node (0 on the main thread); a per-worker id in browsers. */
  getThreadId(): number {
    const workerThreads = builtin<{ threadId?: number }>("node:worker_threads");
    if (workerThreads?.threadId !== undefined) return workerThreads.threadId;
    return browserThreadId();
  }

  /** `os.availableParallelism()` in Node, `navigator.hardwareConcurrency` in browsers, else 1. */
  getTotalNumCpus(): number {
    const os = builtin<{ availableParallelism?: () => number; cpus?: () => unknown[] }>("node:os");
    if (os?.availableParallelism) return os.availableParallelism();
    if (os?.cpus) return Math.max(1, os.cpus().length);
    return host().navigator?.hardwareConcurrency ?? 1;
  }

  /** Always throws `ENOTSUP` (`EINVAL` for a core that is not a number): a JS host cannot pin threads. */
  bindCurrentThreadToCore(core: number): void {
    checkCore(core);
    throw new OSError({
      code: "ENOTSUP",
      syscall: "sched_setaffinity",
      detail: `cannot bind a JS thread to core ${core}`,
    });
  }

  /** Always throws `ENOTSUP` (`EINVAL` for cores that are not an array of numbers): a JS host cannot pin threads. */
  bindCurrentThreadToCpuset(given: readonly number[]): void {
    const cores = checkCores(given);
    throw new OSError({
      code: "ENOTSUP",
      syscall: "sched_setaffinity",
      detail: `cannot bind a JS thread to cores [${cores.join(", ")}]`,
    });
  }
}

function host(): HostGlobals {
  return globalThis as HostGlobals;
}

function builtin<T>(id: string): T | undefined {
  const load = host().process?.getBuiltinModule;
  if (typeof load !== "function") return undefined;
  try {
    return load(id) as T;
  } catch {
    return undefined;
  }
}

let realmThreadId: number | undefined;

/** 0 in a window; in a worker, a number fixed for the worker's lifetime. */
function browserThreadId(): number {
  if (realmThreadId === undefined) {
    const isWindow = typeof (globalThis as { document?: unknown }).document !== "undefined";
    realmThreadId = isWindow ? 0 : 1 + Math.floor(Math.random() * 0x7ffffffe);
  }
  return realmThreadId;
}
