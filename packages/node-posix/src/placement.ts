import { alignDown } from "@osal/core";
import type { TableEntry } from "./mapping-table.js";

/**
 * The highest address in `[low, high)` where `size` bytes aligned to `align` fit
 * between the entries, or `undefined`. Top-down, like Linux's default mmap
 * layout (and mock-unix with `mmapBase` at the arena's end), so both hand out
 * the same addresses for the same calls.
 */
export function findTopDown(
  entries: readonly TableEntry[],
  size: number,
  align: number,
  low: number,
  high: number,
): number | undefined {
  let gapEnd = high;
  for (let i = entries.length - 1; i >= -1; i--) {
    const entry = entries[i];
    if (entry && entry.start >= high) continue;
    const gapStart = entry ? Math.max(low, entry.end) : low;
    if (gapEnd - size >= gapStart) {
      const candidate = alignDown(gapEnd - size, align);
      if (candidate >= gapStart) return candidate;
    }
    if (!entry) break;
    gapEnd = Math.min(gapEnd, entry.start);
    if (gapEnd <= low) break;
  }
  return undefined;
}
