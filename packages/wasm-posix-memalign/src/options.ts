import {
  isLinearMemory,
  isPowerOfTwo,
  isSharedMemory,
  KiB,
  MiB,
  maximumBytesLimit,
  WASM32_MAX_BYTES,
} from "@osal/core";
import type { AlignedAllocator } from "./aligned-allocator.js";
import { bundledAllocator } from "./bundled-allocator.js";
import { invalidOption, sharedMemoryRefused } from "./errors.js";

/** Options of `createWasmPosixMemalign`. */
export interface WasmPosixMemalignOptions {
  /**
   * Where memory comes from. Default: the bundled allocator over a fresh memory
   * (see `bundledAllocator`); pass `guestAllocator({ exports })` to share a wasm
   * guest's `aligned_alloc`/`free` and memory.
   */
  readonly allocator?: AlignedAllocator;
  /**
   * Bundled allocator only: the memory's maximum in bytes, default 4 GiB. Above
   * 4 GiB is `ENOTSUP`: the bundled allocator is wasm32; a memory64 memory needs
   * a guest allocator built for wasm64 (`guestAllocator`).
   */
  readonly maximumBytes?: number;
  /** Bundled allocator only: the memory's starting size in bytes, default the least it needs. */
  readonly initialBytes?: number;
  /** Page size in bytes: a power of two from 4 KiB to 1 MiB. Default 16 KiB (CoreCLR's). */
  readonly pageSize?: number;
  /**
   * `dzmmapAnywhere` aligns mappings of at least this many bytes to this many bytes
   * (a power of two, at least the page size), as runtimes that carve 2 MiB chunks
   * expect. Default 2 MiB; set it to the page size to turn it off.
   */
  readonly largeAlignment?: number;
  /**
   * Skip zeroing memory that provably still holds zeros (grown during the call, or
   * never handed out by a `pristineUntilHandedOut` allocator). Default true; false
   * zeroes every block the allocator returns.
   */
  readonly trustFreshMemory?: boolean;
}

/** The options with defaults applied and checked. */
export interface ResolvedOptions {
  readonly allocator: AlignedAllocator;
  readonly pageSize: number;
  readonly largeAlignment: number;
  readonly trustFreshMemory: boolean;
}

/**
 * Applies defaults and validates; throws `EINVAL`, `ENOTSUP` (a memory64
 * maximum asked of the bundled allocator) or `SharedMemoryError`, creating nothing.
 */
export function resolveOptions(options: WasmPosixMemalignOptions): ResolvedOptions {
  const pageSize = options.pageSize ?? 16 * KiB;
  if (!isPowerOfTwo(pageSize) || pageSize < 4 * KiB || pageSize > MiB) {
    throw invalidOption(`pageSize ${String(pageSize)} must be a power of two from 4 KiB to 1 MiB`);
  }
  const largeAlignment = options.largeAlignment ?? 2 * MiB;
  if (!isPowerOfTwo(largeAlignment) || largeAlignment < pageSize || largeAlignment > 2 ** 31) {
    throw invalidOption(
      `largeAlignment ${String(largeAlignment)} must be a power of two from the page size to 2 GiB`,
    );
  }
  const trustFreshMemory = options.trustFreshMemory ?? true;
  if (typeof trustFreshMemory !== "boolean")
    throw invalidOption("trustFreshMemory must be boolean");

  let allocator = options.allocator;
  if (allocator === undefined) {
    allocator = bundledAllocator({
      maximumBytes: options.maximumBytes,
      initialBytes: options.initialBytes,
    });
  } else {
    if (options.maximumBytes !== undefined || options.initialBytes !== undefined) {
      throw invalidOption(
        "maximumBytes and initialBytes configure the bundled allocator; a given allocator brings its own memory",
      );
    }
    checkAllocator(allocator, pageSize);
  }
  // With other threads allocating in the same heap, memory above the break or the
  // memory's size before a call may have been grown and written by them meanwhile:
  // nothing can be proved zero, so every block is zeroed.
  const concurrent = allocator.threadSafe === true;
  return {
    allocator,
    pageSize,
    largeAlignment,
    trustFreshMemory: trustFreshMemory && !concurrent,
  };
}

function checkAllocator(allocator: AlignedAllocator, pageSize: number): void {
  if (
    typeof allocator !== "object" ||
    allocator === null ||
    typeof allocator.alignedAlloc !== "function" ||
    typeof allocator.free !== "function" ||
    !isLinearMemory(allocator.memory)
  ) {
    throw invalidOption("allocator must have memory, alignedAlloc(align, size) and free(address)");
  }
  if (allocator.threadSafe !== undefined && typeof allocator.threadSafe !== "boolean") {
    throw invalidOption("allocator.threadSafe must be a boolean");
  }
  if (isSharedMemory(allocator.memory) && allocator.threadSafe !== true) {
    throw sharedMemoryRefused();
  }
  const maximum = allocator.maximumBytes;
  const limit = maximumBytesLimit(allocator.memory);
  if (!Number.isSafeInteger(maximum) || maximum < pageSize || maximum > limit) {
    const most = limit > WASM32_MAX_BYTES ? "below 2^53 (memory64)" : "4 GiB";
    throw invalidOption(`allocator.maximumBytes ${String(maximum)} must be from a page to ${most}`);
  }
  if (allocator.programBreak !== undefined && typeof allocator.programBreak !== "function") {
    throw invalidOption("allocator.programBreak must be a function returning sbrk(0)");
  }
  if (allocator.release !== undefined && !isPowerOfTwo(allocator.releaseGranule ?? 0)) {
    throw invalidOption(
      "an allocator with release() must give its releaseGranule (a power of two)",
    );
  }
}
