import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";

/**
 * Note [Bench memory]
 *
 * `osal bench --steps 10000` peaked at 4.26 GB RSS. Two causes, measured with
 * `/usr/bin/time -v`: one row (the zend guest on Emscripten's own `mmap`,
 * which is `malloc` + `memset` and never gives memory back) grew its linear
 * memory to the 4 GiB wasm32 limit and touched all of it; and the linear
 * memories of finished runs stay resident until V8 happens to collect them,
 * so they pile up across the 55 runs. The bench therefore
 * - caps the linear memory of every run at {@link DEFAULT_MEMORY_CAP} (a
 *   `memory.grow` from JS past the cap throws, as at the wasm32 limit: the
 *   page manager's growth, Emscripten's `emscripten_resize_heap` and the
 *   other backends' grows all go through it, so a run past the cap stops with
 *   `ENOMEM` and says so); every completed row of the default bench needs
 *   less than half of it at 10 000 steps;
 * - collects garbage after every run, so the next run starts without the
 *   previous run's memory (V8's `gc`, exposed for this process only).
 * Rejected: a worker per run (each worker pays its own start-up and compile,
 * and the guests' Emscripten glue is loaded with `require`, so a run would cost
 * more than its workload at the default step count).
 */

/** The linear-memory cap of a bench run, in bytes: 768 MiB. */
export const DEFAULT_MEMORY_CAP = 768 * 2 ** 20;

const WASM_PAGE = 65536;

/** The part of `WebAssembly.Memory`'s prototype the cap replaces (the CLI's `lib` has no DOM types). */
interface GrowablePrototype {
  grow(this: { readonly buffer: ArrayBufferLike }, delta: number): number;
}

/** `WebAssembly.Memory.prototype`, read from the global object. */
function memoryPrototype(): GrowablePrototype {
  const wasm = (globalThis as { WebAssembly?: { Memory: { prototype: GrowablePrototype } } })
    .WebAssembly;
  if (wasm === undefined) throw new Error("osal bench: this host has no WebAssembly");
  return wasm.Memory.prototype;
}

/**
 * Runs `body` with every JS-side `WebAssembly.Memory#grow` refused past
 * `capBytes` (a `RangeError`, what `grow` throws at its maximum), then restores
 * `grow`. Runs never overlap (the bench times them one at a time), so the
 * patch covers exactly one run.
 */
export async function withMemoryCap<T>(capBytes: number, body: () => Promise<T>): Promise<T> {
  const prototype = memoryPrototype();
  const grow = prototype.grow;
  prototype.grow = function cappedGrow(delta: number): number {
    if (this.buffer.byteLength + delta * WASM_PAGE > capBytes) {
      throw new RangeError(
        `osal bench: linear memory capped at ${capBytes / 2 ** 20} MiB (--memory-cap)`,
      );
    }
    return grow.call(this, delta);
  };
  try {
    return await body();
  } finally {
    prototype.grow = grow;
  }
}

let collect: (() => void) | undefined;

/** Runs a full garbage collection now, so finished runs' linear memories are released. */
export function collectGarbage(): void {
  if (collect === undefined) {
    setFlagsFromString("--expose-gc");
    collect = runInNewContext("gc") as () => void;
  }
  collect();
}
