/*
 * Note [Lazy zeroing of megablocks]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * A `NoAccess` megablock cannot be read through this backend, so bytes it must
 * read as zero need not be written until it becomes accessible: a GC that
 * decommits (`NoAccess`, then madvise(dontneed)) or reserves `NoAccess` over
 * reused megablocks would otherwise pay for zeroing memory that may never be
 * touched again, and pay twice when it is. (madvise(dontneed) while still
 * accessible, CoreCLR's order, must zero at once: a guest may load directly.) Each mapped megablock
 * has a zero mark in the table (ZeroMark): Dirty (its bytes are its contents),
 * Pending (must read as zero, still holds old bytes) or Zero (known zero:
 * mapped `NoAccess` over a clean megablock and never accessible since). Only
 * `NoAccess` megablocks are Pending or Zero.
 *   - Mapping `NoAccess` writes nothing: dirty megablocks become Pending, clean
 *     ones Zero. Mapping accessible zeroes dirty ones at once.
 *   - madvise(dontneed) zeroes accessible megablocks at once (a guest may load
 *     from them); a `NoAccess` Dirty one becomes Pending.
 *   - mprotect to an accessible protection zeroes the Pending megablocks, and
 *     every mark becomes Dirty (committing committed memory keeps its bytes);
 *     mprotect to `NoAccess` keeps the bytes and the marks, as on Linux.
 *   - munmap: a Zero megablock goes back to the free list clean, any other
 *     dirty, so a Pending one is zeroed when next mapped accessible, never
 *     handed out as zero.
 *   - A moving mremap copies only Dirty megablocks; a Pending or Zero one
 *     becomes Zero on a clean target and Pending on a dirty one, with nothing
 *     written (zeroing it before the copy would write it twice).
 * So decommit (`NoAccess`, dontneed) then commit zeroes once, and repeated
 * decommits cost nothing. The
 * assumption, as for protection in general here (`enforcesProtection` false):
 * nobody stores into a `NoAccess` megablock directly, which would fault on a
 * real OS.
 */

import {
  type GrowthPolicy,
  growLinearMemory,
  hasErrorCode,
  type LinearMemory,
  MiB,
  type MmapAnnotation,
  MmapError,
  MmapProtection,
  type PageState,
  type PageStateRun,
} from "@osal/core";
import { FreeRuns } from "./free-runs.js";
import { MegablockState, MegablockTable, ZeroMark } from "./megablock-table.js";
import type { SharedState } from "./shared-state.js";

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
 * The megablocks of one linear memory, in megablock numbers: which are this
 * backend's, which are free, which are mapped; where a request goes; growing
 * the memory; zeroing reused megablocks. The policy is described in
 * Note [Megablocks over linear memory] (ghc-megablock.ts). Arguments are
 * trusted: the backend validates them first.
 */
export class MegablockSpace {
  /** The page table. */
  readonly table: MegablockTable;
  private readonly free: FreeRuns;
  /** Bytes per megablock. */
  readonly megablockSize: number;
  /** The memory's maximum in bytes. */
  readonly maximumBytes: number;

  /**
   * @param memory the linear memory to grow
   * @param shared the state the table and free runs live in
   * @param maximumBytes the most the memory may hold
   * @param growth how far past a request the memory grows
   * @param onZeroed told how many bytes each zeroing wrote
   */
  constructor(
    readonly memory: LinearMemory,
    shared: SharedState,
    maximumBytes: number,
    private readonly growth: GrowthPolicy,
    private readonly onZeroed: (bytes: number) => void,
  ) {
    this.megablockSize = shared.megablockSize;
    this.maximumBytes = maximumBytes;
    this.table = new MegablockTable(shared);
    this.free = new FreeRuns(shared.freeRuns);
  }

  /** A view of the whole memory as it is now (a grow replaces the buffer). */
  bytes(): Uint8Array {
    return new Uint8Array(this.memory.buffer);
  }

  /**
   * Where `count` megablocks aligned to `align` megablocks go: the first fit in
   * the free list (a 2 MiB-aligned one first for requests of 2 MiB or more);
   * else the highest free run, if it ends where the memory ends, extended by
   * growth; else fresh megablocks above the memory's end. `ENOMEM` when that
   * would pass the maximum. Changes nothing.
   */
  place(count: number, align: number, call: SpaceCall, annotation?: MmapAnnotation): number {
    const size = count * this.megablockSize;
    const preferred =
      size >= LARGE_MAPPING_ALIGNMENT
        ? Math.max(align, LARGE_MAPPING_ALIGNMENT / this.megablockSize)
        : align;
    const fit =
      (preferred > align ? this.free.firstFit(count, preferred) : undefined) ??
      this.free.firstFit(count, align);
    if (fit !== undefined) return fit;
    const base = this.growBase();
    const top = this.free.last();
    let first = Math.ceil(Math.max(base, 1) / align) * align;
    if (top !== undefined && top.end === base) {
      first = Math.min(first, Math.ceil(top.start / align) * align);
    }
    if (first + count > this.table.count) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: call,
        size,
        annotation,
        detail: `the memory cannot grow past its maximum of ${this.maximumBytes} bytes`,
      });
    }
    return first;
  }

  /**
   * True when megablocks `[first, end)` could be mapped: inside the address
   * space, not megablock 0, and each one either free or above the memory's end.
   */
  canClaim(first: number, end: number): boolean {
    if (first < 1 || end > this.table.count) return false;
    const ownedEnd = Math.min(end, this.growBase());
    return ownedEnd <= first || this.free.covers(first, ownedEnd);
  }

  /**
   * Maps megablocks `[first, end)` (from {@link place} or checked with
   * {@link canClaim}) with attribute `id` and returns true: grows the memory
   * first if the range passes its end (`ENOMEM`, no mapping changed, if it
   * cannot; false, no mapping changed, when another party's growth took part of
   * the range meanwhile), adding any
   * megablocks skipped for alignment or grown ahead (growth policy) to the free list; takes the rest from the
   * free list. From `zeroFrom` on (a caller about to fill the head passes a
   * later index, and sets the head's zero marks itself): with an accessible
   * protection the dirty megablocks are zeroed; with `NoAccess` nothing is
   * written, dirty ones are marked `Pending` and clean ones `Zero`. Fresh
   * megablocks are never written.
   */
  claim(
    first: number,
    end: number,
    id: number,
    zeroFrom: number,
    call: SpaceCall,
    annotation?: MmapAnnotation,
  ): boolean {
    if (end > this.growBase()) {
      this.grow(end, call, annotation);
      // Someone else grew the memory meanwhile and the range is now theirs.
      if (!this.free.covers(first, end)) return false;
    }
    this.free.remove(first, end);
    const from = Math.max(first, zeroFrom);
    if (this.table.attributesById(id).prot === MmapProtection.NoAccess) {
      for (let i = from; i < end; i++) {
        this.table.setZeroMarks(i, i + 1, this.table.isDirty(i) ? ZeroMark.Pending : ZeroMark.Zero);
      }
      this.table.map(first, end, id);
      return true;
    }
    this.table.setZeroMarks(from, end, ZeroMark.Dirty);
    let i = from;
    while (i < end) {
      if (!this.table.isDirty(i)) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < end && this.table.isDirty(j)) j++;
      this.zero(i * this.megablockSize, (j - i) * this.megablockSize);
      i = j;
    }
    this.table.map(first, end, id);
    return true;
  }

  /**
   * Maps `count` megablocks aligned to `align` megablocks with attribute `id`
   * where {@link place} puts them, and returns the first. Placing again when
   * someone else grew the memory under the chosen range; `ENOMEM`, nothing
   * mapped, when it cannot be placed or the memory cannot grow.
   */
  mapAnywhere(
    count: number,
    align: number,
    id: number,
    call: SpaceCall,
    annotation?: MmapAnnotation,
  ): number {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const first = this.place(count, align, call, annotation);
      if (this.claim(first, first + count, id, first, call, annotation)) return first;
    }
    throw raced(call, count * this.megablockSize, annotation);
  }

  /**
   * mremap's move: maps `newCount` megablocks at `target` (from {@link place})
   * with attribute `id`, copies the bytes of mapped megablocks `[first, oldEnd)`
   * there and frees them. A `Pending` or `Zero` megablock has no contents to
   * copy: its new megablock is marked `Zero` when clean, else `Pending`, and
   * nothing is written for it (cheaper than zeroing before the copy). False,
   * nothing changed, when the target was taken by another party's growth.
   */
  move(
    first: number,
    oldEnd: number,
    target: number,
    newCount: number,
    id: number,
    annotation: MmapAnnotation | undefined,
  ): boolean {
    const oldCount = oldEnd - first;
    const marks = new Uint8Array(oldCount);
    for (let i = 0; i < oldCount; i++) {
      if (this.table.zeroMarkOf(first + i) === ZeroMark.Dirty) continue;
      marks[i] = this.isClean(target + i) ? ZeroMark.Zero : ZeroMark.Pending;
    }
    if (!this.claim(target, target + newCount, id, target + oldCount, "mremap", annotation)) {
      return false;
    }
    const bytes = this.bytes();
    const size = this.megablockSize;
    let runStart = -1;
    for (let i = 0; i <= oldCount; i++) {
      if (i < oldCount) this.table.setZeroMarks(target + i, target + i + 1, marks[i] as ZeroMark);
      if (i < oldCount && marks[i] === ZeroMark.Dirty) {
        if (runStart < 0) runStart = i;
      } else if (runStart >= 0) {
        bytes.copyWithin((target + runStart) * size, (first + runStart) * size, (first + i) * size);
        runStart = -1;
      }
    }
    this.release(first, oldEnd);
    return true;
  }

  /**
   * {@link claim} when {@link canClaim} says the range could be mapped; false,
   * with nothing changed, when it cannot or the memory cannot grow (`ENOMEM`).
   */
  tryClaim(
    first: number,
    end: number,
    id: number,
    zeroFrom: number,
    call: SpaceCall,
    annotation?: MmapAnnotation,
  ): boolean {
    if (!this.canClaim(first, end)) return false;
    try {
      return this.claim(first, end, id, zeroFrom, call, annotation);
    } catch (error) {
      if (!hasErrorCode(error, "ENOMEM")) throw error;
      return false;
    }
  }

  /**
   * mremap's growth of mapped megablocks `[first, oldEnd)` (attribute `id`) to
   * end at `newEnd`: in place when the megablocks after it can be claimed, else
   * moved to where {@link place} puts it. Returns the mapping's first megablock.
   * `ENOMEM`, the mapping intact, when neither can be done.
   */
  enlarge(
    first: number,
    oldEnd: number,
    newEnd: number,
    id: number,
    annotation: MmapAnnotation | undefined,
  ): number {
    if (this.tryClaim(oldEnd, newEnd, id, oldEnd, "mremap", annotation)) return first;
    const newCount = newEnd - first;
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const target = this.place(newCount, 1, "mremap", annotation);
      if (this.move(first, oldEnd, target, newCount, id, annotation)) return target;
    }
    throw raced("mremap", newCount * this.megablockSize, annotation);
  }

  /** Frees every mapped megablock of `[first, end)` to the free list; others are skipped. */
  release(first: number, end: number): void {
    let i = first;
    while (i < end) {
      if (this.table.stateOf(i) !== MegablockState.Mapped) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < end && this.table.stateOf(j) === MegablockState.Mapped) j++;
      this.table.unmap(i, j);
      this.free.insert(i, j);
      i = j;
    }
  }

  /**
   * True when megablock `index` is known to read as zero before it is claimed:
   * above the memory's end (it will be grown) or free and never handed out.
   */
  isClean(index: number): boolean {
    return (
      index >= this.growBase() ||
      (this.table.stateOf(index) === MegablockState.Free && !this.table.isDirty(index))
    );
  }

  /**
   * Mapped megablocks `[first, end)` just became accessible: the `Pending` ones
   * are zeroed now (and reported), and every mark is settled to `Dirty`.
   */
  settle(first: number, end: number): void {
    this.zeroRuns(first, end, (i) => this.table.zeroMarkOf(i) === ZeroMark.Pending);
    this.table.setZeroMarks(first, end, ZeroMark.Dirty);
  }

  /**
   * madvise(dontneed) over mapped megablocks `[first, end)`: accessible ones are
   * zeroed now (a guest may load from them directly); `NoAccess` ones that hold
   * bytes are only marked `Pending` (`Pending` and `Zero` stay).
   */
  discard(first: number, end: number): void {
    const table = this.table;
    for (let i = first; i < end; i++) {
      if (table.attributesOf(i).prot === MmapProtection.NoAccess) {
        if (table.zeroMarkOf(i) === ZeroMark.Dirty) table.setZeroMarks(i, i + 1, ZeroMark.Pending);
      }
    }
    this.zeroRuns(first, end, (i) => table.attributesOf(i).prot !== MmapProtection.NoAccess);
  }

  /** Zeroes (and reports) each maximal run of megablocks in `[first, end)` that `wanted` picks. */
  private zeroRuns(first: number, end: number, wanted: (index: number) => boolean): void {
    let i = first;
    while (i < end) {
      if (!wanted(i)) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < end && wanted(j)) j++;
      this.zero(i * this.megablockSize, (j - i) * this.megablockSize);
      i = j;
    }
  }

  /** Writes zeros over bytes `[start, start + size)` and reports them. */
  zero(start: number, size: number): void {
    this.bytes().fill(0, start, start + size);
    this.onZeroed(size);
  }

  /**
   * The unmapped megablocks of the memory as runs: free and never handed out
   * (zero), free and reused (dirty), or not this backend's (external).
   */
  pageStates(): PageStateRun[] {
    const size = this.memory.buffer.byteLength;
    const blocks = Math.ceil(size / this.megablockSize);
    const out: PageStateRun[] = [];
    for (let i = 0; i < blocks; i++) {
      const state = this.unmappedStateOf(i);
      if (state === undefined) continue;
      const start = i * this.megablockSize;
      const end = Math.min(start + this.megablockSize, size);
      const last = out[out.length - 1];
      if (last && last.end === start && last.state === state)
        out[out.length - 1] = { ...last, end };
      else out.push({ start, end, state });
    }
    return out;
  }

  private unmappedStateOf(index: number): PageState | undefined {
    const state = this.table.stateOf(index);
    if (state === MegablockState.Foreign) return "external";
    if (state === MegablockState.Free)
      return this.table.isDirty(index) ? "free-dirty" : "free-zeroed";
    return undefined;
  }

  /** Byte ranges of the memory that are not this backend's megablocks, by address. */
  foreignRanges(): { start: number; end: number }[] {
    const size = this.memory.buffer.byteLength;
    const out: { start: number; end: number }[] = [];
    let runStart: number | undefined;
    const blocks = Math.ceil(size / this.megablockSize);
    for (let i = 0; i <= blocks; i++) {
      const foreign = i < blocks && this.table.stateOf(i) === MegablockState.Foreign;
      if (foreign && runStart === undefined) runStart = i * this.megablockSize;
      if (!foreign && runStart !== undefined) {
        out.push({ start: runStart, end: Math.min(i * this.megablockSize, size) });
        runStart = undefined;
      }
    }
    return out;
  }

  /** The first megablock growing the memory would create (its size rounded up). */
  private growBase(): number {
    return Math.ceil(this.memory.buffer.byteLength / this.megablockSize);
  }

  /**
   * Grows the memory so that megablock `end - 1` exists, by the growth policy's
   * step (whole megablocks, never past the last megablock of the address
   * space), and puts the megablocks grown on the free list, clean. What lies
   * below the old end, or in a megablock the old end cuts, is not ours: with a
   * shared memory another party may have grown it since the caller looked.
   * `ENOMEM` (nothing changed) when even exactly the request cannot be grown.
   */
  private grow(end: number, call: SpaceCall, annotation: MmapAnnotation | undefined): void {
    const current = this.memory.buffer.byteLength;
    const target = end * this.megablockSize;
    const fail = (detail: string, cause?: unknown) =>
      new MmapError({
        code: "ENOMEM",
        syscall: call,
        address: current,
        size: target - current,
        annotation,
        detail,
        cause,
      });
    if (target > this.maximumBytes) throw fail("past the memory's maximum");
    const limit = this.table.count * this.megablockSize;
    let growth: ReturnType<typeof growLinearMemory>;
    try {
      growth = growLinearMemory(this.memory, this.growth, target, limit, this.megablockSize);
    } catch (error) {
      throw fail("memory.grow failed", error);
    }
    if (growth === undefined) return;
    const fresh = Math.max(Math.ceil(growth.oldBytes / this.megablockSize), 1);
    const grownEnd = Math.floor(growth.endBytes / this.megablockSize);
    if (grownEnd <= fresh) return;
    this.table.addFresh(fresh, grownEnd);
    this.free.insert(fresh, grownEnd);
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
