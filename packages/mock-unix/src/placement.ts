import { alignUp, findTopDown } from "@osal/core";
import type { Vma } from "./vma.js";

/** Where anonymous mappings may go. */
export interface PlacementWindow {
  /** Lowest mappable address (Linux's `mmap_min_addr`). */
  readonly low: number;
  /** Where top-down placement starts (Linux's `mmap_base`). */
  readonly base: number;
  /** One past the highest user address. */
  readonly end: number;
}

/**
 * Finds an address for a new mapping of `size` bytes aligned to `align`, the way
 * Linux's default (top-down) layout does: the highest fitting gap below
 * `mmap_base`, then, if none fits, the lowest fitting gap above it.
 * Returns `undefined` when the address space is full.
 */
export function findFreeRange(
  vmas: readonly Vma[],
  size: number,
  align: number,
  window: PlacementWindow,
): number | undefined {
  return (
    findTopDown(vmas, size, align, window.low, window.base) ??
    bottomUp(vmas, size, align, window.base, window.end)
  );
}

function bottomUp(
  vmas: readonly Vma[],
  size: number,
  align: number,
  low: number,
  high: number,
): number | undefined {
  let cursor = alignUp(low, align);
  for (const vma of vmas) {
    if (vma.end <= cursor) continue;
    if (vma.start >= cursor + size) break;
    cursor = alignUp(vma.end, align);
  }
  return cursor + size <= high ? cursor : undefined;
}
