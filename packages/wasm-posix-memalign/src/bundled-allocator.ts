import { MEMORY64_MAX_BYTES, WASM_PAGE_SIZE, WASM32_MAX_BYTES } from "@osal/core";
import type { AlignedAllocator } from "./aligned-allocator.js";
import { decodeBase64 } from "./base64.js";
import { bundledMemory64Refused, invalidOption } from "./errors.js";
import { allocatorMinimumPages, allocatorWasmBase64 } from "./generated/allocator-wasm.js";
import { hostWebAssembly } from "./wasm-host.js";

/** The unit the bundled allocator hands out and releases memory in: 16 KiB. */
export const BUNDLED_GRANULE = 16 * 1024;

/** Options of {@link bundledAllocator}. */
export interface BundledAllocatorOptions {
  /** Size the memory starts at, in bytes (a multiple of 64 KiB). Default: the least the module needs. */
  readonly initialBytes?: number;
  /**
   * The memory's maximum in bytes (a multiple of 64 KiB, at most 4 GiB). Default
   * 4 GiB. Above 4 GiB (memory64) is `ENOTSUP`: this module is wasm32.
   */
  readonly maximumBytes?: number;
}

let compiled: object | undefined;

/**
 * The allocator that ships with this package (`c/allocator.c`, built into
 * `wasm/allocator.wasm` and embedded as base64), over a fresh, unshared
 * `WebAssembly.Memory` it creates: so the backend works with no guest at all.
 * It hands out 16 KiB granules, first fit in address order, keeps its bitmaps out
 * of the heap (so never-handed-out memory stays zero: `pristineUntilHandedOut`)
 * and can release part of a block. The module imports only its memory. Its
 * 64 KiB of bitmaps are set up here (the memory grows to hold them when
 * `initialBytes` is too small), so an allocation that fails grows nothing.
 * Not thread-safe (`threadSafe` false): the C allocator takes no lock and its
 * memory is unshared. A wasm32 module, it cannot serve a memory64 memory: a
 * `maximumBytes` above 4 GiB is `ENOTSUP`, naming the fix (a guest allocator
 * built for wasm64, see `guestAllocator`). Throws `EINVAL` on bad sizes and where
 * the host has no WebAssembly.
 */
export function bundledAllocator(options: BundledAllocatorOptions = {}): AlignedAllocator {
  const wasm = hostWebAssembly();
  if (wasm === undefined) {
    throw invalidOption("this host has no WebAssembly: the bundled allocator cannot load");
  }
  const maximumBytes = options.maximumBytes ?? WASM32_MAX_BYTES;
  if (
    Number.isSafeInteger(maximumBytes) &&
    maximumBytes % WASM_PAGE_SIZE === 0 &&
    maximumBytes > WASM32_MAX_BYTES &&
    maximumBytes <= MEMORY64_MAX_BYTES
  ) {
    throw bundledMemory64Refused(maximumBytes);
  }
  checkBytes("maximumBytes", maximumBytes);
  const minimumBytes = allocatorMinimumPages * WASM_PAGE_SIZE;
  const initialBytes = options.initialBytes ?? minimumBytes;
  checkBytes("initialBytes", initialBytes);
  if (initialBytes > maximumBytes) {
    throw invalidOption(`initialBytes ${initialBytes} exceeds maximumBytes ${maximumBytes}`);
  }
  if (maximumBytes < minimumBytes) {
    throw invalidOption(`maximumBytes must be at least ${minimumBytes} (the module's own data)`);
  }
  compiled ??= new wasm.Module(decodeBase64(allocatorWasmBase64));
  const memory = new wasm.Memory({
    initial: Math.max(initialBytes, minimumBytes) / WASM_PAGE_SIZE,
    maximum: maximumBytes / WASM_PAGE_SIZE,
  });
  const exports = new wasm.Instance(compiled, { env: { memory } }).exports as {
    aligned_alloc(align: number, size: number): number;
    free(address: number): void;
    osal_release(address: number, size: number): number;
    osal_init(): number;
  };
  // The allocator's bitmaps (64 KiB) are grown now rather than by the first
  // `aligned_alloc`, which could then fail having grown the memory.
  if (exports.osal_init() !== 0) {
    throw invalidOption(
      `maximumBytes ${maximumBytes} cannot hold the allocator's data and its 64 KiB bitmaps`,
    );
  }
  return {
    memory,
    maximumBytes,
    pristineUntilHandedOut: true,
    threadSafe: false,
    releaseGranule: BUNDLED_GRANULE,
    alignedAlloc: (align, size) => exports.aligned_alloc(align, size) >>> 0,
    free: (address) => exports.free(address),
    release: (address, size) => exports.osal_release(address, size) === 0,
  };
}

function checkBytes(name: string, bytes: number): void {
  if (
    !Number.isSafeInteger(bytes) ||
    bytes < 0 ||
    bytes % WASM_PAGE_SIZE !== 0 ||
    bytes > WASM32_MAX_BYTES
  ) {
    throw invalidOption(`${name} ${String(bytes)} must be a multiple of 64 KiB, at most 4 GiB`);
  }
}
