import type { AddressRange } from "./placement.js";

/**
 * Binary search over a sorted table of half-open ranges `[start, end)`: the
 * VMAs of a simulated process, the mappings of an arena, the blocks an
 * allocator returned. Every such table is sorted by address and never
 * overlaps, so "the first range ending after an address" answers every
 * lookup a backend makes (the range holding an address, the ranges meeting a
 * range, where to insert). Written once here so no backend hand-writes it.
 */

/**
 * Index of the first range of `ranges` (sorted, not overlapping) whose end is
 * after `address`: the range holding `address` if there is one, else the
 * first range above it; `ranges.length` when none ends after it.
 */
export function firstEndingAfter(ranges: readonly AddressRange[], address: number): number {
  let low = 0;
  let high = ranges.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (ranges[middle]!.end <= address) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** The range of `ranges` (sorted, not overlapping) holding `address`, if any. */
export function rangeAt<T extends AddressRange>(
  ranges: readonly T[],
  address: number,
): T | undefined {
  const range = ranges[firstEndingAfter(ranges, address)];
  return range !== undefined && range.start <= address ? range : undefined;
}

/** The ranges of `ranges` (sorted, not overlapping) sharing a byte with `[start, end)`, in order (a new array). */
export function rangesOverlapping<T extends AddressRange>(
  ranges: readonly T[],
  start: number,
  end: number,
): T[] {
  const out: T[] = [];
  for (let index = firstEndingAfter(ranges, start); index < ranges.length; index++) {
    const range = ranges[index]!;
    if (range.start >= end) break;
    out.push(range);
  }
  return out;
}

/**
 * True when `runs` (sorted, not overlapping, such as {@link rangesOverlapping}
 * returns) leave no byte of `[start, end)` uncovered.
 */
export function rangesCover(runs: Iterable<AddressRange>, start: number, end: number): boolean {
  let cursor = start;
  for (const run of runs) {
    if (run.end <= cursor) continue;
    if (run.start > cursor) return false;
    cursor = run.end;
    if (cursor >= end) return true;
  }
  return cursor >= end;
}
