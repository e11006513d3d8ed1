import { type MemoryCall, type MmapAnnotation, MmapError } from "@osal/core";
import { isPlaceable, PageState } from "@osal/linear-memory";
import type { FreeRunIndex } from "./free-run-index.js";

/** How many times a placement is retried when another party grows memory in between. */
const CLAIM_ATTEMPTS = 8;

/**
 * The page table placement reads: page states, the free-run index over them and
 * the frontier (the shared state provides all of it). Read with the state lock held.
 */
export interface PlacementSpace {
  /** One page state byte per page ({@link PageState}). */
  readonly states: Uint8Array;
  /** The free-run index over the page table. */
  readonly index: FreeRunIndex;
  /** First page not yet accounted for. */
  readonly frontier: number;
  /** Pages in the address space. */
  readonly totalPages: number;
}

/** How placement claims pages past the frontier (the page source, bound to the shared state). */
export interface PlacementSource {
  /** Accounts for memory others grew since the last call (their pages become external). */
  sync(): void;
  /**
   * Claims pages until the frontier reaches `endPage` or more; `ENOMEM` having
   * claimed nothing when the memory cannot grow. Another party growing in
   * between may leave the frontier short or the pages elsewhere: callers check.
   */
  extend(endPage: number): void;
  /**
   * With a guest's `sbrk` as the source: the first page from which the external
   * pages below the frontier are no longer the guest's (it gave them back).
   * `undefined` for sources whose external pages never come back.
   */
  returnedFrom(): number | undefined;
}

/** How {@link Placement.place} chooses and reports. */
export interface PlaceOptions {
  /** Annotation of the mapping, for errors. */
  readonly annotation?: MmapAnnotation | undefined;
  /** The call reported in errors (`mmap` unless said). */
  readonly call?: MemoryCall;
  /** Alignment in pages to fall back to when no room is aligned as asked (default: none). */
  readonly fallback?: number;
}

/**
 * Where new mappings go: address-ordered first fit over the free-run index, large
 * mappings aligned by preference, claiming pages from the source when the place
 * reaches past the frontier (see Note [Page manager over linear memory],
 * "Placement"). Every method is called with the state lock held; none maps anything.
 */
export class Placement {
  private readonly space: PlacementSpace;
  private readonly source: PlacementSource;
  private readonly largeMappingAlignment: number;

  /**
   * Placement over `space`, growing through `source`; mappings of at least
   * `largeMappingAlignment` bytes are aligned to it by preference.
   */
  constructor(space: PlacementSpace, source: PlacementSource, largeMappingAlignment: number) {
    this.space = space;
    this.source = source;
    this.largeMappingAlignment = largeMappingAlignment;
  }

  /** The alignment a mapping of `size` bytes gets: large ones at least `largeMappingAlignment`. */
  alignmentFor(align: number, size: number): number {
    const large = this.largeMappingAlignment;
    return size >= large && align < large ? large : align;
  }

  /**
   * Chooses where `count` pages aligned to `align` pages go, claiming pages from
   * the source when the place reaches past the frontier. `ENOMEM` when nothing
   * fits below the maximum or the memory cannot grow; no mapping changes.
   */
  place(count: number, align: number, size: number, how: PlaceOptions = {}): number {
    const fallback = how.fallback ?? 1;
    if (fallback >= align) return this.placeAligned(count, align, size, how);
    // The large-mapping alignment is a preference: without aligned room, any
    // place aligned as the caller asked will do.
    try {
      return this.placeAligned(count, align, size, how);
    } catch (error) {
      if (!isOom(error)) throw error;
      return this.placeAligned(count, fallback, size, how);
    }
  }

  /**
   * True (pages claimed, nothing mapped yet) when `[first, first + count)` is free
   * or can be grown into; false when some page is taken or the memory cannot grow.
   */
  tryClaimAt(first: number, count: number): boolean {
    const space = this.space;
    if (first + count > space.totalPages) return false;
    if (first + count > space.frontier) this.source.sync();
    const states = space.states;
    let returned = -1;
    for (let page = first; page < first + count; page++) {
      if (isPlaceable(states[page]!)) continue;
      if (states[page] !== PageState.External) return false;
      // Heap pages the guest gave back after a listing saw them can be claimed again.
      if (returned < 0) {
        const from = this.source.returnedFrom();
        if (from === undefined) return false;
        returned = from;
      }
      if (page < returned) return false;
    }
    if (returned < 0 && first + count <= space.frontier) return true;
    try {
      this.source.extend(first + count);
    } catch (error) {
      if (isOom(error)) return false;
      throw error;
    }
    return this.isClaimed(first, count);
  }

  /** True when every page of the range is ours and free (below the frontier). */
  isClaimed(first: number, count: number): boolean {
    if (first + count > this.space.frontier) return false;
    const states = this.space.states;
    for (let page = first; page < first + count; page++) {
      const state = states[page];
      if (state !== PageState.FreeZeroed && state !== PageState.FreeDirty) return false;
    }
    return true;
  }

  /** {@link Placement.place} at exactly `align` pages. */
  private placeAligned(count: number, align: number, size: number, how: PlaceOptions): number {
    const { annotation, call = "mmap" } = how;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const first = this.choose(count, align);
      if (first < 0) {
        throw new MmapError({
          code: "ENOMEM",
          syscall: call,
          size,
          annotation,
          detail: "no free range that large below the memory's maximum",
        });
      }
      if (first + count <= this.space.frontier) return first;
      this.source.extend(first + count);
      if (this.isClaimed(first, count)) return first;
    }
    throw new MmapError({
      code: "ENOMEM",
      syscall: call,
      size,
      annotation,
      detail: "memory kept being grown by another party while claiming pages",
    });
  }

  /** Where `count` pages aligned to `align` pages should go (-1: nowhere). */
  private choose(count: number, align: number): number {
    return this.space.index.findLowest(count, align);
  }
}

function isOom(error: unknown): boolean {
  return error instanceof MmapError && error.code === "ENOMEM";
}
