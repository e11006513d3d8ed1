/*
 * Note [Megablock fit policy]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * Requests are served from the free list before the memory grows,
 * by address-ordered first fit: the lowest suitably aligned start inside one
 * run. First fit in address order is what GHC's own megablock free list does;
 * it keeps live megablocks packed low and leaves the highest run large. That
 * matters here because the highest run, when it touches the end of the
 * memory, is extended by growing only the missing megablocks rather than
 * starting a fresh range above it: the cheapest way to serve a large request.
 * Coalescing keeps the run count small, so the linear scan stays short. Best
 * fit was measured on the zend and ghc workloads and left a higher peak (the
 * peak is what linear memory costs, since it never shrinks), and it would need
 * a second, size-ordered index. One refinement: a request of 2 MiB or more
 * first looks for a fit aligned to 2 MiB, as Linux aligns large anonymous
 * mappings to its huge page size; allocators that over-map and trim to get
 * 2 MiB alignment (PHP's zend_alloc) then succeed on the first try instead of
 * mapping, unmapping and mapping again (and zeroing twice).
 * The unclaimed megablocks past the frontier are one more run of the free list
 * (the engine's free-page index), so extending the highest run by growth, or
 * growing fresh megablocks above it, is the same first fit.
 */

import {
  currentByteLength,
  hasErrorCode,
  MiB,
  type MmapAnnotation,
  MmapError,
  type PageState as PageStateName,
  type PageStateRun,
} from "@osal/core";
import {
  type AnnotationTable,
  type LinearMemoryEngine,
  markWhenMoved,
  PageState,
  ZeroMark,
} from "@osal/linear-memory";
import type { FreeRuns } from "./free-runs.js";
import { MegablockTable } from "./megablock-table.js";

/**
 * Mappings of at least this size first look for a free range aligned to it:
 * 2 MiB, the huge page size Linux aligns large anonymous mappings to.
 */
const LARGE_MAPPING_ALIGNMENT = 2 * MiB;

/** Placements tried before a request racing with other parties' growth gives up. */
const CLAIM_ATTEMPTS = 16;

/** The memory calls whose errors the space reports. */
type SpaceCall = "mmap" | "mremap";

/**
 * The megablocks of one linear memory, in megablock numbers, over the
 * linear-memory engine: where a request goes (first fit over the free runs,
 * the engine's free-page index), claiming megablocks past the frontier from
 * the page source, mapping, freeing, moving. Zeroing and zero marks are the
 * engine's (Note [Lazy zeroing] in @osal/linear-memory's engine.ts). The policy
 * is described in Note [Megablocks over linear memory] (ghc-megablock.ts).
 * Arguments are trusted: the backend validates them first. Call with the
 * state lock held.
 */
export class MegablockSpace {
  /** The page table, as this backend reads it. */
  readonly table: MegablockTable;
  /** Bytes per megablock. */
  readonly megablockSize: number;

  /**
   * @param engine the engine over the memory and the shared state
   * @param free the free runs (the engine's index)
   * @param annotations the state's annotation table
   */
  constructor(
    readonly engine: LinearMemoryEngine<FreeRuns>,
    private readonly free: FreeRuns,
    annotations: AnnotationTable,
  ) {
    this.megablockSize = engine.granule;
    this.table = new MegablockTable(engine, annotations);
  }

  /** A view of the memory's bytes, at least up to byte `end`. */
  bytes(end: number): Uint8Array {
    return this.engine.bytes(end);
  }

  /**
   * Where `count` megablocks aligned to `align` megablocks go: the first fit
   * in the free runs, which go on past the frontier to the end of the address
   * space (a 2 MiB-aligned fit below the frontier first for requests of 2 MiB
   * or more). So the highest free run, when it touches the frontier, is
   * extended by growing; else fresh megablocks are grown above. `ENOMEM` when
   * nothing fits below the maximum. Changes nothing.
   */
  place(count: number, align: number, call: SpaceCall, annotation?: MmapAnnotation): number {
    const size = count * this.megablockSize;
    const preferred =
      size >= LARGE_MAPPING_ALIGNMENT
        ? Math.max(align, LARGE_MAPPING_ALIGNMENT / this.megablockSize)
        : align;
    const fit =
      (preferred > align
        ? this.free.firstFit(count, preferred, this.engine.frontier)
        : undefined) ?? this.free.firstFit(count, align);
    if (fit !== undefined) return fit;
    throw new MmapError({
      code: "ENOMEM",
      syscall: call,
      size,
      annotation,
      detail: `no free range that large below the memory's maximum of ${this.table.count * this.megablockSize} bytes`,
    });
  }

  /**
   * Makes free (or unclaimed) megablocks `[first, end)` this backend's,
   * claiming from the page source those past the frontier: true when they all
   * are now. False, nothing mapped, when another party's growth took some
   * meanwhile; `ENOMEM` when the memory cannot grow.
   */
  private secure(first: number, end: number): boolean {
    if (end <= this.engine.frontier) return true;
    this.engine.sync();
    if (!this.free.covers(first, end)) return false;
    this.engine.extend(end);
    return end <= this.engine.frontier && this.free.covers(first, end);
  }

  /**
   * Maps free megablocks `[first, end)` (from {@link place}) with attribute
   * byte `attributes` and annotation id `id`: see {@link secure}; the engine
   * zeroes dirty ones when accessible, or marks them when `NoAccess`.
   */
  claim(first: number, end: number, attributes: number, id: number): boolean {
    if (!this.secure(first, end)) return false;
    this.engine.map(first, end - first, attributes, id);
    return true;
  }

  /**
   * Maps `count` megablocks aligned to `align` megablocks where {@link place}
   * puts them, and returns the first; placing again when someone else grew the
   * memory under the chosen range. `ENOMEM`, nothing mapped, when it cannot be
   * placed or the memory cannot grow.
   */
  mapAnywhere(
    count: number,
    align: number,
    attributes: number,
    id: number,
    call: SpaceCall,
    annotation?: MmapAnnotation,
  ): number {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const first = this.place(count, align, call, annotation);
      if (this.claim(first, first + count, attributes, id)) return first;
    }
    throw raced(call, count * this.megablockSize, annotation);
  }

  /**
   * {@link claim} when `[first, end)` is inside the address space, not
   * megablock 0, and free (or unclaimed); false, with nothing changed, when it
   * is not or the memory cannot grow.
   */
  tryClaim(first: number, end: number, attributes: number, id: number): boolean {
    if (first < 1 || end > this.table.count || !this.free.covers(first, end)) return false;
    try {
      return this.claim(first, end, attributes, id);
    } catch (error) {
      if (!hasErrorCode(error, "ENOMEM")) throw error;
      return false;
    }
  }

  /**
   * mremap of mapped megablocks `[first, oldEnd)`, one mapping, to end at
   * `newEnd`; returns its first megablock. Shrinking frees the tail. Growing
   * without `mayMove` is `ENOMEM` (this backend never remaps in place without
   * it), the mapping intact; with it, see {@link enlarge}.
   */
  remap(first: number, oldEnd: number, newEnd: number, mayMove: boolean): number {
    const annotation = this.table.annotationOf(first);
    if (newEnd <= oldEnd) {
      this.release(newEnd, oldEnd);
      return first;
    }
    if (!mayMove) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: "mremap",
        address: first * this.megablockSize,
        size: (newEnd - first) * this.megablockSize,
        annotation,
        detail: "ghc-megablock cannot grow a mapping in place; pass mayMove",
      });
    }
    return this.enlarge(first, oldEnd, newEnd, annotation);
  }

  /**
   * mremap's growth of mapped megablocks `[first, oldEnd)` to end at `newEnd`:
   * in place when the megablocks after it can be claimed, else moved to where
   * {@link place} puts it. Returns the mapping's first megablock. `ENOMEM`, the
   * mapping intact, when neither can be done.
   */
  private enlarge(
    first: number,
    oldEnd: number,
    newEnd: number,
    annotation: MmapAnnotation | undefined,
  ): number {
    const attributes = this.table.attributeByteOf(first);
    const id = this.table.annotationIdOf(first);
    if (this.tryClaim(oldEnd, newEnd, attributes, id)) return first;
    const newCount = newEnd - first;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const target = this.place(newCount, 1, "mremap", annotation);
      if (this.move(first, oldEnd, target, newCount)) return target;
    }
    throw raced("mremap", newCount * this.megablockSize, annotation);
  }

  /**
   * mremap's move: maps `newCount` megablocks at `target` (from {@link place})
   * alike, copies the bytes of mapped megablocks `[first, oldEnd)` there and
   * frees them. A `Pending` or `Zero` megablock has no contents to copy: its
   * new megablock is marked `Zero` when clean, else `Pending`, and nothing is
   * written for it (cheaper than zeroing before the copy). False, nothing
   * changed, when the target was taken by another party's growth.
   */
  private move(first: number, oldEnd: number, target: number, newCount: number): boolean {
    if (!this.secure(target, target + newCount)) return false;
    const oldCount = oldEnd - first;
    const { states, zeroMarks } = this.engine;
    const marks = new Uint8Array(oldCount);
    for (let i = 0; i < oldCount; i++) {
      marks[i] = markWhenMoved(zeroMarks[first + i]!, states[target + i] === PageState.FreeZeroed);
    }
    this.engine.map(
      target,
      newCount,
      this.table.attributeByteOf(first),
      this.table.annotationIdOf(first),
      oldCount,
    );
    const size = this.megablockSize;
    // The view must reach the source too, which may lie above the target: a
    // shared memory's cached view stops where the memory ended when it was made,
    // and copyWithin past a view's end copies nothing, silently.
    const bytes = this.bytes(Math.max(oldEnd, target + newCount) * size);
    let runStart = -1;
    for (let i = 0; i <= oldCount; i++) {
      if (i < oldCount) zeroMarks[target + i] = marks[i]!;
      if (i < oldCount && marks[i] === ZeroMark.Dirty) {
        if (runStart < 0) runStart = i;
      } else if (runStart >= 0) {
        bytes.copyWithin((target + runStart) * size, (first + runStart) * size, (first + i) * size);
        runStart = -1;
      }
    }
    this.engine.unmap(first, oldCount);
    return true;
  }

  /** Frees every mapped megablock of `[first, end)` to the free runs; others are skipped. */
  release(first: number, end: number): void {
    this.engine.unmap(first, end - first);
  }

  /**
   * The megablocks of the memory that are not mapped, as runs: free and never
   * handed out (zero), free and reused (dirty), or not this backend's
   * (external: memory grown by others is accounted for first).
   */
  pageStates(): PageStateRun[] {
    this.engine.observe();
    const size = currentByteLength(this.engine.memory);
    const blocks = Math.ceil(size / this.megablockSize);
    const out: PageStateRun[] = [];
    for (let i = 0; i < blocks; i++) {
      const state = this.unmappedStateOf(i);
      if (state === undefined) continue;
      const start = i * this.megablockSize;
      const end = Math.min(start + this.megablockSize, size);
      const last = out[out.length - 1];
      if (last && last.end === start && last.state === state) {
        out[out.length - 1] = { ...last, end };
      } else out.push({ start, end, state });
    }
    return out;
  }

  /** Byte ranges of the memory that are not this backend's megablocks, by address. */
  foreignRanges(): { start: number; end: number }[] {
    return this.pageStates()
      .filter((run) => run.state === "external")
      .map(({ start, end }) => ({ start, end }));
  }

  private unmappedStateOf(index: number): PageStateName | undefined {
    const state = this.engine.states[index];
    if (state === PageState.FreeZeroed) return "free-zeroed";
    if (state === PageState.FreeDirty) return "free-dirty";
    if (state === PageState.Allocated) return undefined;
    return "external";
  }
}

/** `ENOMEM` for a request whose place kept being taken by another party's growth. */
function raced(call: SpaceCall, size: number, annotation: MmapAnnotation | undefined): MmapError {
  return new MmapError({
    code: "ENOMEM",
    syscall: call,
    size,
    annotation,
    detail: "the memory kept being grown by another party while megablocks were claimed",
  });
}
