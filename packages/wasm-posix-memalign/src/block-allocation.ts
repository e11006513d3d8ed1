/*
 * Note [posix_memalign fallbacks]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * An allocator may refuse a request the backend could live without exactly.
 * Emscripten 3.1.6's `aligned_alloc` (system/lib/libc/compat/aligned_alloc.c)
 * returns NULL whenever the size is not a multiple of the alignment (C11's
 * original rule), before dlmalloc is even asked: so the backend's preferred 2 MiB
 * alignment for mappings of 2 MiB or more failed at once for zend's 2 MiB + 64 KiB
 * huge blocks, ghc's 5 MiB megablock groups and mmtk's 69 MiB quarantine, however
 * much the heap could grow. `allocateBlock` tries, in order: the preferred
 * alignment; the caller's own alignment when the larger one was only a
 * preference (as Linux's THP alignment of large anonymous maps is); the size
 * rounded up to a multiple of the alignment; and, for an alignment above a page,
 * `size + align - page` at page alignment with the mapping aligned inside. The
 * slack of the last two stays in the block as unmapped pages, so `free` gets the
 * address the allocator returned, once, when the mapping's last page goes; a
 * refused attempt changes nothing (Emscripten's returns before touching the heap).
 * Nor does it grow the memory, which the backend could not give back: the bundled
 * allocator sets up its 64 KiB of bitmaps when it is created, not in its first
 * `aligned_alloc` (which grew the memory even when it then failed), and otherwise
 * refuses before `memory.grow`. A guest's allocator grows the memory itself, but
 * the two measured grow nothing on a failed call either: wasi-libc's dlmalloc
 * (its `sbrk` is one `memory.grow`, all or nothing) and Emscripten 3.1.6's (its
 * `emscripten_resize_heap` grows to at least the request or not at all); with an
 * 8 MiB maximum, every refused call and fallback attempt left the size unchanged.
 *
 * Cost, measured with `osal bench --backends wasm-posix-memalign` (2000 steps,
 * seed 1), Emscripten guests on the fallbacks beside the wasi-libc builds, whose
 * `aligned_alloc` takes any size (peak footprint ÷ peak live):
 *   zend  2.40× (319.4 MiB / 133.2 MiB)  vs  2.10× (276.1 MiB / 131.2 MiB)
 *   ghc   2.91× (206.8 MiB / 71 MiB)     vs  2.48× (176.1 MiB / 71 MiB)
 *   mmtk  1.14× (74.1 MiB / 65 MiB)      vs  1.09× (71.1 MiB / 65 MiB)
 *   (sgen 1.30× vs 1.02×, coreclr 3.16× vs 2.94×: no fallback, Emscripten's
 *   heap itself costs that; its own `mmap` peer shows the same 1.30× on sgen.)
 * The cost is alignment: a mapping that only gets page alignment makes zend's
 * over-map-and-trim run (its trimmed head and tail stay held, since a guest's
 * allocator cannot take part of a block back), which also doubles zend's zeroing
 * (4.4 GiB vs 2.2 GiB). Measured and rejected: rounding the size up before giving
 * up the preferred alignment keeps mappings 2 MiB-aligned and halves zend's
 * zeroing (2.3 GiB) but costs more memory, zend 2.74× (360 MiB), mmtk 1.19×
 * (77.1 MiB); footprint is what a browser tab runs out of, so the preference
 * goes first.
 *
 * Note [fresh memory boundary]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * Which bytes of a new block are still zero, so need no memset? CoreCLR's rule:
 * those at or above the `sbrk(0)` break before the call, memory its allocator
 * had never handed out. On Emscripten the break lags the memory's size (its
 * `sbrk` grows the memory by 20% more than asked), so the break finds more fresh
 * memory than the memory's size does. Measured on the Emscripten guests
 * (`runGuest` with `guestAllocator`, seed 1), bytes zeroed with the memory's
 * size → with the break: sgen 10 steps 7 MiB → 2 MiB, 2000 steps 1028 MiB →
 * 968 MiB; ghc 2000 steps 384 MiB → 259 MiB; coreclr 6.8 MiB → 2.9 MiB; zend
 * 4754 MiB → 4557 MiB; mmtk unchanged. The rule needs two facts, which
 * Emscripten's dlmalloc gives (it is built with MORECORE_CANNOT_TRIM): nothing
 * writes above the break, and the break never moves down. The second is checked:
 * a break seen lower than before means memory below the old break may hold data,
 * and from then on the memory's size is used. Where the guest exports no `sbrk`
 * (wasi-libc builds, whose break is the memory's size anyway), the memory's size
 * before the call is the boundary.
 */

import { alignUp, currentByteLength, type MmapAnnotation, MmapError } from "@osal/core";
import type { AlignedAllocator } from "./aligned-allocator.js";
import { Block } from "./block.js";
import type { BlockTable } from "./block-table.js";
import { AllocatorContractError } from "./errors.js";
import type { HandedOutPages } from "./handed-out-pages.js";

/** The largest alignment a wasm32 allocator can be asked for. */
const MAX_ALIGNMENT = 2 ** 31;

/** Byte ranges `[from, to)`. */
type Ranges = readonly (readonly [number, number])[];

/**
 * A block fresh from the allocator: the mapping is pages `[first, first + count)`
 * of it; pages outside that (slack left by a fallback) are held but unmapped.
 * `dirty` lists the byte ranges that may not be zero.
 */
export interface Allocation {
  readonly block: Block;
  readonly first: number;
  readonly count: number;
  readonly dirty: Ranges;
}

/** One way of asking the allocator: `alignedAlloc(align, bytes)`, the mapping `offset` bytes after an aligned address. */
interface Attempt {
  readonly align: number;
  readonly bytes: number;
  /** Where the mapping starts in the block the allocator returns. */
  readonly place: (address: number) => number;
}

/** What {@link allocateBlock} needs from the backend. */
export interface AllocationContext {
  readonly allocator: AlignedAllocator;
  readonly pageSize: number;
  readonly addressSpaceEnd: number;
  readonly trustFreshMemory: boolean;
  readonly handedOut: HandedOutPages | undefined;
  readonly blocks: BlockTable;
  readonly freshness: FreshMemoryBoundary;
}

/**
 * Asks the allocator for `size` bytes aligned to `align` (what the caller needs)
 * and preferably to `preferred` (the backend's large alignment), trying in turn:
 * 1. `alignedAlloc(preferred, size)`;
 * 2. when `preferred` was only a preference, `alignedAlloc(align, size)`;
 * 3. when `size` is not a multiple of the alignment, `alignedAlloc(align,
 *    size rounded up to it)`: C11's `aligned_alloc` rule, which Emscripten's
 *    (`compat/aligned_alloc.c`) enforces by returning NULL;
 * 4. when the alignment is more than a page, `alignedAlloc(page, size + align −
 *    page)`, the mapping aligned inside the block.
 * Slack around the mapping (3 and 4) stays in the block as unmapped pages, so the
 * block is freed by the address the allocator returned when its mapping goes.
 * `ENOMEM` (nothing changed) when every attempt returns 0;
 * `AllocatorContractError` when a result breaks the allocator contract.
 */
export function allocateBlock(
  context: AllocationContext,
  size: number,
  align: number,
  preferred: number,
  call: "mmap" | "mremap",
  annotation?: MmapAnnotation,
): Allocation {
  const outOfMemory = (detail: string, cause?: unknown) =>
    new MmapError({ code: "ENOMEM", syscall: call, size, annotation, detail, cause });
  if (align > MAX_ALIGNMENT || size > context.addressSpaceEnd) {
    throw outOfMemory(`no block of this size aligned to ${align} fits the memory`);
  }
  for (const attempt of attempts(
    size,
    align,
    Math.min(preferred, MAX_ALIGNMENT),
    context.pageSize,
  )) {
    const freshFrom = context.freshness.boundary();
    let address: number;
    try {
      address = context.allocator.alignedAlloc(attempt.align, attempt.bytes);
    } catch (cause) {
      throw outOfMemory("the allocator threw", cause);
    }
    if (address === 0) continue;
    return checked(context, attempt, address, size, freshFrom);
  }
  const alignment = Math.max(align, preferred);
  throw outOfMemory(`the allocator has no block of this size aligned to ${alignment}`);
}

function attempts(size: number, align: number, preferred: number, page: number): Attempt[] {
  const exact = (alignment: number): Attempt => ({
    align: alignment,
    bytes: size,
    place: (address) => address,
  });
  const list = [exact(Math.max(align, preferred))];
  if (preferred > align) list.push(exact(align));
  if (size % align !== 0) {
    list.push({ align, bytes: alignUp(size, align), place: (address) => address });
  }
  if (align > page) {
    list.push({
      align: page,
      bytes: size + align - page,
      place: (address) => alignUp(address, align),
    });
  }
  return list;
}

function checked(
  context: AllocationContext,
  attempt: Attempt,
  address: number,
  size: number,
  freshFrom: number,
): Allocation {
  const { allocator, pageSize } = context;
  const end = address + attempt.bytes;
  if (!Number.isSafeInteger(address) || address < 0 || address % attempt.align !== 0) {
    throw new AllocatorContractError(address, `not aligned to ${attempt.align}`);
  }
  if (end > currentByteLength(allocator.memory) || end > context.addressSpaceEnd) {
    throw new AllocatorContractError(
      address,
      `the block of ${attempt.bytes} bytes ends past the memory`,
    );
  }
  if (context.blocks.overlapping(address, end).length > 0) {
    throw new AllocatorContractError(address, "the block overlaps one it already handed out");
  }
  let dirty: Ranges = [[address, end]];
  if (context.trustFreshMemory) {
    // Bytes at or above the fresh boundary before the call were never handed out.
    const freshStart = Math.max(address, freshFrom);
    dirty = (context.handedOut?.take(address, end) ?? [[address, freshStart]])
      .map(([from, to]) => [from, Math.min(to, freshStart)] as const)
      .filter(([from, to]) => from < to);
  }
  const block = new Block(address, attempt.bytes / pageSize, pageSize);
  return {
    block,
    first: (attempt.place(address) - address) / pageSize,
    count: size / pageSize,
    dirty,
  };
}

/**
 * Where provably zero memory starts before an allocator call: bytes at or above
 * it were never handed out by the allocator, so a block reaching there is zero
 * from that address on.
 *
 * With an allocator that reports its program break (`sbrk(0)`, CoreCLR's rule),
 * that is the break: on Emscripten it lags the memory's size (its `sbrk`
 * over-grows the memory), so fewer bytes are zeroed than with the memory's size.
 * The break is trusted only while it never moves down: if it ever reads lower
 * than before (an allocator that trims), memory below the old break may hold
 * data, and from then on the memory's size is used instead.
 */
export class FreshMemoryBoundary {
  private highestBreak = 0;
  private breakTrusted: boolean;

  constructor(private readonly allocator: AlignedAllocator) {
    this.breakTrusted = allocator.programBreak !== undefined;
  }

  /** The boundary now: the break where trusted, otherwise the memory's size. */
  boundary(): number {
    const size = currentByteLength(this.allocator.memory);
    if (!this.breakTrusted) return size;
    const brk = this.allocator.programBreak!();
    if (!Number.isSafeInteger(brk) || brk < this.highestBreak || brk > size) {
      this.breakTrusted = false;
      return size;
    }
    this.highestBreak = brk;
    return brk;
  }
}
