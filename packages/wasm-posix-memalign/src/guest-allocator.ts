import {
  declaredMaximumBytes,
  defaultMaximumBytes,
  isLinearMemory,
  isMemory64,
  isSharedMemory,
  type LinearMemory,
  maximumBytesLimit,
  WASM_PAGE_SIZE,
  WASM32_MAX_BYTES,
} from "@osal/core";
import type { AlignedAllocator } from "./aligned-allocator.js";
import { invalidOption, sharedMemoryRefused } from "./errors.js";
import { type Exported, guestCalls } from "./guest-calls.js";

/** What {@link guestAllocator} takes: a guest instance's exports, as wasi-libc builds them. */
export interface GuestAllocatorOptions {
  /**
   * The guest's exports: `aligned_alloc(align, size)` and `free(ptr)` (wasi-libc's,
   * Emscripten's, or any C allocator's), `memory` unless given separately, and
   * optionally `sbrk` (Emscripten's `_sbrk` export), whose break decides which
   * memory is fresh.
   */
  readonly exports: Readonly<Record<string, unknown>>;
  /** The guest's linear memory, when it does not export it as `memory` (e.g. it imports it). */
  readonly memory?: LinearMemory;
  /**
   * The memory's maximum in bytes: at most 4 GiB on a memory32 memory, below
   * 2^53 on a memory64 one. Default: what the host reports (`memory.type()`
   * where supported), otherwise 4 GiB for memory32 and 16 GiB (V8's limit) for
   * memory64.
   */
  readonly maximumBytes?: number;
  /**
   * Whether the guest's `aligned_alloc`/`free` lock, so its threads and the
   * backend may allocate at once: true for a guest built with threads
   * (Emscripten `-pthread`, whose dlmalloc is built with `USE_LOCKS`; wasi-libc
   * for `wasm32-wasi-threads`), false for a single-threaded build (Emscripten
   * without `-pthread`, wasi-libc for `wasm32-wasi`, whose dlmalloc has no
   * lock). Only the build says which, so the caller declares it. Default: false
   * on an unshared memory; a shared memory needs `true` (`SharedMemoryError`
   * otherwise).
   */
  readonly threadSafe?: boolean;
}

/**
 * An {@link AlignedAllocator} over a wasm guest's own `aligned_alloc`/`free`, so the
 * backend shares the guest's heap instead of competing with it for the memory.
 * The guest keeps using its allocator too, so memory is only taken as zero where
 * it lies above the guest's program break before the call (`sbrk(0)`, when the
 * guest exports `sbrk`; otherwise the memory's size): `pristineUntilHandedOut`
 * false.
 * `threadSafe` is what the caller declares (see {@link GuestAllocatorOptions.threadSafe}).
 * A wasm64 guest (its memory is memory64: clang `--target=wasm64`) takes and
 * returns i64, BigInt in JS: detected from the memory, converted both ways, and
 * its maximum may pass 4 GiB (addresses stay JS numbers below 2^53).
 * Throws `EINVAL` on missing exports or a non-boolean `threadSafe`,
 * `SharedMemoryError` on a shared memory without `threadSafe: true`.
 */
export function guestAllocator(options: GuestAllocatorOptions): AlignedAllocator {
  const exports = options.exports;
  const alloc = exports.aligned_alloc;
  const free = exports.free;
  if (typeof alloc !== "function" || typeof free !== "function") {
    throw invalidOption("the guest must export aligned_alloc(align, size) and free(ptr)");
  }
  const memory = options.memory ?? exports.memory;
  if (!isLinearMemory(memory)) {
    throw invalidOption("the guest exports no memory: pass options.memory");
  }
  const threadSafe = options.threadSafe ?? false;
  if (typeof threadSafe !== "boolean") throw invalidOption("threadSafe must be a boolean");
  if (isSharedMemory(memory) && !threadSafe) throw sharedMemoryRefused();
  const maximumBytes =
    options.maximumBytes ?? declaredMaximumBytes(memory) ?? defaultMaximumBytes(memory);
  const limit = maximumBytesLimit(memory);
  if (
    !Number.isSafeInteger(maximumBytes) ||
    maximumBytes % WASM_PAGE_SIZE !== 0 ||
    maximumBytes > limit ||
    maximumBytes < memory.buffer.byteLength
  ) {
    const most = limit > WASM32_MAX_BYTES ? "below 2^53 (memory64)" : "at most 4 GiB";
    throw invalidOption(
      `maximumBytes ${String(maximumBytes)} must be a multiple of 64 KiB, ${most} and at least the memory's size`,
    );
  }
  const sbrk = exports.sbrk;
  const calls = guestCalls(
    alloc as Exported,
    free as Exported,
    typeof sbrk === "function" ? (sbrk as Exported) : undefined,
    isMemory64(memory),
  );
  return { memory, maximumBytes, pristineUntilHandedOut: false, threadSafe, ...calls };
}
