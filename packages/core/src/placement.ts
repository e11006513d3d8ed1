import { alignDown } from "./address.js";

/** A half-open address range `[start, end)`: a mapping, a VMA, a table entry. */
export interface AddressRange {
  readonly start: number;
  readonly end: number;
}

/**
 * The highest address in `[low, high)` where `size` bytes aligned to `align`
 * fit between `taken` (sorted by address, not overlapping), or `undefined`
 * when no gap is large enough. This is the search of Linux's default top-down
 * mmap layout below `mmap_base`; backends that place mappings the way Linux
 * does share it, so they hand out the same addresses for the same calls.
 */
export function findTopDown(
  taken: readonly AddressRange[],
  size: number,
  align: number,
  low: number,
  high: number,
): number | undefined {
  let gapEnd = high;
  for (let i = taken.length - 1; i >= -1; i--) {
    const range = taken[i];
    if (range && range.start >= high) continue;
    const gapStart = range ? Math.max(low, range.end) : low;
    if (gapEnd - size >= gapStart) {
      const candidate = alignDown(gapEnd - size, align);
      if (candidate >= gapStart) return candidate;
    }
    if (!range) break;
    gapEnd = Math.min(gapEnd, range.start);
    if (gapEnd <= low) break;
  }
  return undefined;
}
