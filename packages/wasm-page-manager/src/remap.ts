import { MmapError, type MremapOptions } from "@osal/core";
import { type LinearMemoryEngine, markWhenMoved, PageState, ZeroMark } from "@osal/linear-memory";
import type { Placement } from "./placement.js";
import { claimFixed } from "./range-checks.js";

/**
 * Note [mremap as Linux 6.17]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * The rules, as the real kernel (6.18, same as 6.17 here) answers them, checked
 * with a native program (see the package README):
 *   - Something must be mapped at `start` (`EFAULT`). The "VMA at start" is the
 *     run of allocated pages from `start` with its attributes and annotation.
 *   - No `newAddress`, no `dontUnmap`: shrinking unmaps the tail whatever it
 *     holds (holes, other mappings); the same size is a no-op; growing needs the
 *     old range inside the VMA (`EFAULT`), grows in place into free pages, else
 *     moves with `mayMove` (else `ENOMEM`).
 *   - `newAddress` or `dontUnmap` (a move to a new address): when resizing, the
 *     part kept (`min(old, new)`) must lie inside the VMA (`EFAULT`). With the same
 *     size and `newAddress`, the old range may span several mappings and holes:
 *     every mapped page moves to the same offset from `newAddress`, keeping its
 *     attributes, annotation and bytes; holes stay holes; the whole destination
 *     range is replaced. `dontUnmap` without `newAddress` over several mappings
 *     is `EINVAL` (over one mapping and a hole: `EFAULT`).
 *   - `dontUnmap`: the old pages stay mapped, with their attributes, and read as
 *     zeros (as after madvise(dontneed)).
 * Atomicity: every check, and claiming the destination (which may grow the
 * memory, `ENOMEM`; or meet someone else's pages, `ENOTSUP`), happens before the
 * first page changes; what follows cannot fail.
 */

/** What {@link remapPages} needs of the page manager (called with the state lock held). */
export interface RemapHost {
  /** Page size in bytes. */
  readonly pageSize: number;
  /** Page states ({@link PageState}). */
  readonly states: Uint8Array;
  /** Attribute byte of each page. */
  readonly attributes: Uint8Array;
  /** Annotation id of each page. */
  readonly annotationIds: Uint32Array;
  /** Zero mark of each allocated page ({@link ZeroMark}). */
  readonly zeroMarks: Uint8Array;
  /** Unmaps the allocated pages of the range. */
  release(first: number, count: number): void;
  /** Maps owned pages, the first `keep` of them about to be filled by the caller. */
  assign(first: number, count: number, attributes: number, id: number, keep: number): void;
  /** madvise(dontneed) over allocated pages `[from, to)`. */
  discard(from: number, to: number): void;
  /** Claims `[first, first + count)` for growing in place: true when free (or growable). */
  claimAt(first: number, count: number): boolean;
  /** Claims room for `count` pages anywhere, as a moving mremap places them; `ENOMEM` if none. */
  placeMoved(count: number): number;
  /** Claims the exact range for `MREMAP_FIXED` (`ENOTSUP` on others' pages, `ENOMEM`); maps nothing. */
  claimFixed(first: number, count: number): void;
  /** The memory's bytes, up to at least `end`. */
  bytes(end: number): Uint8Array;
}

/**
 * The {@link RemapHost} of a page manager: its engine's page table and
 * primitives, and its placement (a moved mapping is placed as a new one of its
 * size; MREMAP_FIXED claims as MAP_FIXED does).
 */
export function remapHostOver(engine: LinearMemoryEngine, placement: Placement): RemapHost {
  const pageSize = engine.granule;
  return {
    pageSize,
    states: engine.states,
    attributes: engine.attributes,
    annotationIds: engine.annotationIds,
    zeroMarks: engine.zeroMarks,
    release: (first, count) => engine.unmap(first, count),
    assign: (first, count, attributes, id, keep) => engine.map(first, count, attributes, id, keep),
    discard: (from, to) => engine.discard(from, to),
    claimAt: (first, count) => placement.tryClaimAt(first, count),
    placeMoved: (count) => {
      const size = count * pageSize;
      const align = placement.alignmentFor(pageSize, size) / pageSize;
      return placement.place(count, align, size, undefined, 1, "mremap");
    },
    claimFixed: (first, count) => claimFixed(engine, "mremap", first, count, true, undefined),
    bytes: (end) => engine.bytes(end),
  };
}

/**
 * `mremap` over the page table, after the argument checks: see Note [mremap as
 * Linux 6.17]. Returns the (possibly new) address.
 */
export function remapPages(
  host: RemapHost,
  start: number,
  oldSize: number,
  newSize: number,
  options: MremapOptions | undefined,
): number {
  const pageSize = host.pageSize;
  const first = start / pageSize;
  const oldCount = oldSize / pageSize;
  const newCount = newSize / pageSize;
  const fault = (detail: string): MmapError =>
    new MmapError({ code: "EFAULT", syscall: "mremap", address: start, size: oldSize, detail });
  if (host.states[first] !== PageState.Allocated) throw fault("nothing is mapped at the address");
  const oneEnd = mappingEnd(host, first, first + oldCount);
  const target = options?.newAddress === undefined ? undefined : options.newAddress / pageSize;
  const dontUnmap = options?.dontUnmap === true;

  if (target === undefined && !dontUnmap) {
    if (newCount < oldCount) {
      host.release(first + newCount, oldCount - newCount);
      return start;
    }
    if (newCount === oldCount) return start;
    if (oneEnd < first + oldCount) throw fault("the range spans more than one mapping");
    const last = first + oldCount - 1;
    const extra = newCount - oldCount;
    if (host.claimAt(first + oldCount, extra)) {
      host.assign(first + oldCount, extra, host.attributes[last]!, host.annotationIds[last]!, 0);
      return start;
    }
    if (options?.mayMove !== true) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: "mremap",
        address: start,
        size: newSize,
        detail: "the pages after the mapping are not free, and MREMAP_MAYMOVE was not given",
      });
    }
    const dest = host.placeMoved(newCount);
    moveTo(host, first, oldCount, dest, newCount);
    host.release(first, oldCount);
    return dest * pageSize;
  }

  const kept = Math.min(oldCount, newCount);
  if (oneEnd < first + kept) {
    if (oldCount !== newCount) {
      throw fault("a move that resizes needs the kept range within one mapping");
    }
    if (target === undefined) {
      if (hasMapping(host, oneEnd, first + oldCount)) {
        throw new MmapError({
          code: "EINVAL",
          syscall: "mremap",
          address: start,
          size: oldSize,
          detail: "MREMAP_DONTUNMAP over several mappings needs MREMAP_FIXED",
        });
      }
      throw fault("the range runs past the mapping into unmapped pages");
    }
  }
  let dest: number;
  if (target === undefined) {
    dest = host.placeMoved(newCount);
  } else {
    host.claimFixed(target, newCount);
    host.release(target, newCount);
    dest = target;
  }
  if (newCount < oldCount) host.release(first + newCount, oldCount - newCount);
  moveTo(host, first, kept, dest, newCount);
  if (dontUnmap) forEachMapped(host, first, first + kept, (from, to) => host.discard(from, to));
  else host.release(first, kept);
  return dest * pageSize;
}

/** The first page at or after `first` (at most `end`) that is not part of the mapping at `first`. */
export function mappingEnd(host: RemapHost, first: number, end: number): number {
  const { states, attributes, annotationIds } = host;
  const attribute = attributes[first];
  const id = annotationIds[first];
  let page = first + 1;
  while (
    page < end &&
    states[page] === PageState.Allocated &&
    attributes[page] === attribute &&
    annotationIds[page] === id
  ) {
    page++;
  }
  return page;
}

/** True when some page of `[from, to)` is allocated. */
function hasMapping(host: RemapHost, from: number, to: number): boolean {
  for (let page = from; page < to; page++) {
    if (host.states[page] === PageState.Allocated) return true;
  }
  return false;
}

/** Calls `visit` for each run of allocated pages in `[from, to)`. */
function forEachMapped(
  host: RemapHost,
  from: number,
  to: number,
  visit: (from: number, to: number) => void,
): void {
  let runStart = -1;
  for (let page = from; page <= to; page++) {
    if (page < to && host.states[page] === PageState.Allocated) {
      if (runStart < 0) runStart = page;
    } else if (runStart >= 0) {
      visit(runStart, page);
      runStart = -1;
    }
  }
}

/**
 * Maps `[dest, dest + newCount)` (free, owned pages) as the moved copy of the
 * allocated pages of `[first, first + count)`: each run keeps its attributes,
 * annotation, zero marks and bytes, holes stay unmapped, and pages past `count`
 * extend the last page's mapping, zeroed. A `Pending` or `Zero` page is not
 * copied: its new page becomes `Zero` when known zero, else `Pending` (see
 * Note [Lazy zeroing] in @osal/linear-memory). The source is left as it was.
 */
export function moveTo(
  host: RemapHost,
  first: number,
  count: number,
  dest: number,
  newCount: number,
): void {
  const { states, attributes, annotationIds, zeroMarks: marks } = host;
  const pageSize = host.pageSize;
  let runStart = -1;
  for (let page = first; page <= first + count; page++) {
    const continues =
      page < first + count &&
      states[page] === PageState.Allocated &&
      (runStart < 0 ||
        (attributes[page] === attributes[runStart] &&
          annotationIds[page] === annotationIds[runStart]));
    if (continues) {
      if (runStart < 0) runStart = page;
      continue;
    }
    if (runStart >= 0) {
      const to = dest + (runStart - first);
      const length = page - runStart;
      for (let i = 0; i < length; i++) {
        marks[to + i] = markWhenMoved(
          marks[runStart + i]!,
          states[to + i] === PageState.FreeZeroed,
        );
      }
      host.assign(to, length, attributes[runStart]!, annotationIds[runStart]!, length);
      copyDirty(host, runStart, to, length, pageSize);
      runStart = -1;
    }
    if (page < first + count && states[page] === PageState.Allocated) runStart = page;
  }
  if (newCount > count) {
    const last = first + count - 1;
    host.assign(dest + count, newCount - count, attributes[last]!, annotationIds[last]!, 0);
  }
}

/** Copies the bytes of the `Dirty` pages of `[from, from + length)` to `to` on. */
function copyDirty(
  host: RemapHost,
  from: number,
  to: number,
  length: number,
  pageSize: number,
): void {
  const marks = host.zeroMarks;
  const bytes = host.bytes(Math.max(from + length, to + length) * pageSize);
  let runStart = -1;
  for (let i = 0; i <= length; i++) {
    if (i < length && marks[from + i] === ZeroMark.Dirty) {
      if (runStart < 0) runStart = i;
    } else if (runStart >= 0) {
      bytes.copyWithin(
        (to + runStart) * pageSize,
        (from + runStart) * pageSize,
        (from + i) * pageSize,
      );
      runStart = -1;
    }
  }
}
