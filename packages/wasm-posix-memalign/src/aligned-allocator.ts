import type { LinearMemory } from "@osal/core";

/**
 * The allocator a wasm-posix-memalign backend takes its memory from: C's
 * `aligned_alloc`/`free` over one linear memory, the way CoreCLR's wasm GC PAL
 * uses `posix_memalign`/`free`.
 *
 * Contract the backend relies on:
 * - `alignedAlloc(align, size)` returns the address of `size` bytes aligned to
 *   `align` (a power of two, at least the backend's page size) inside `memory`,
 *   overlapping no block it returned before and has not had back, or 0 when it
 *   cannot (the backend then fails with `ENOMEM`, having changed nothing).
 * - It writes nothing inside a block it returns, and grows `memory` only with
 *   `memory.grow` (whose new pages are zero). That is what lets the backend skip
 *   zeroing the part of a block that lies above the memory's size before the call
 *   (or above the program break, with {@link AlignedAllocator.programBreak}).
 * - It may return 0 for a size that is not a multiple of the alignment (C11's
 *   `aligned_alloc` rule, Emscripten's) or for a large alignment: the backend then
 *   falls back to a smaller alignment, a rounded-up size, or an over-allocation it
 *   aligns inside (Note [posix_memalign fallbacks]).
 * - `free(address)` takes back a block, by the address `alignedAlloc` returned.
 * - Single-threaded, unless it declares {@link AlignedAllocator.threadSafe}: no
 *   one else calls it while a backend call runs.
 */
export interface AlignedAllocator {
  /** The linear memory the addresses point into. */
  readonly memory: LinearMemory;
  /** The most bytes `memory` can ever hold (its maximum): the backend's address space end. */
  readonly maximumBytes: number;
  /** `aligned_alloc(align, size)`: an aligned block's address, or 0 on failure. */
  alignedAlloc(align: number, size: number): number;
  /** `free(address)` of a block `alignedAlloc` returned. */
  free(address: number): void;
  /**
   * Optional: gives back `[address, address + size)` from inside a live block while
   * keeping the rest (both ends multiples of {@link AlignedAllocator.releaseGranule}).
   * What remains after the range becomes a block of its own, freed by its own
   * address. Returns false, having changed nothing, when it cannot. With it a partial
   * `munmap` hands memory back at once instead of when the whole block is unmapped.
   */
  release?(address: number, size: number): boolean;
  /**
   * Optional: the allocator's program break, `sbrk(0)`. Everything at or above it
   * has never been handed out and nobody writes there, and the break never moves
   * down (Emscripten's dlmalloc cannot trim). The backend then skips zeroing the
   * part of a block at or above the break before the call (CoreCLR's rule), which
   * on Emscripten lies below the memory's size. If the break is ever seen to move
   * down, the backend stops trusting it and uses the memory's size.
   */
  programBreak?(): number;
  /** The unit of {@link AlignedAllocator.release}, in bytes (a power of two). */
  readonly releaseGranule?: number;
  /**
   * True when every byte of the heap this allocator has never returned to this
   * backend is still zero: it keeps its bookkeeping out of band (no chunk headers,
   * no free-list links in the heap) and nobody else allocates from it. The backend
   * then skips zeroing memory above the highest address it was ever handed, not just
   * memory grown during the call. A guest's dlmalloc is not like that (its `malloc`
   * traffic and chunk metadata dirty memory the backend never saw): leave it false.
   */
  readonly pristineUntilHandedOut: boolean;
  /**
   * True when `alignedAlloc`/`free` may be called from several threads at once on
   * a shared memory (the allocator takes a lock: Emscripten's `-pthread` dlmalloc,
   * wasi-libc's dlmalloc built for `wasm32-wasi-threads`). The backend declares
   * `capabilities.threadSafe` exactly when this is true, and accepts a shared
   * memory only then. Default false.
   */
  readonly threadSafe?: boolean;
}
