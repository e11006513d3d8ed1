import { sameAttributes, sliceVma, type Vma } from "./vma.js";

/**
 * The process's VMAs, sorted by address and never overlapping. A value: every
 * edit returns a new list and leaves the old one intact, so a call can build
 * its result, check it (commit limit, map count) and only then adopt it —
 * which is how failed calls change nothing.
 */
export class VmaList {
  private constructor(private readonly vmas: readonly Vma[]) {}

  /** A list with no mappings. */
  static empty(): VmaList {
    return new VmaList([]);
  }

  /** Number of VMAs (Linux's `map_count`). */
  get count(): number {
    return this.vmas.length;
  }

  /** All VMAs in address order. */
  all(): readonly Vma[] {
    return this.vmas;
  }

  /** The VMA containing `address`, if any. */
  find(address: number): Vma | undefined {
    const index = this.indexAfter(address) - 1;
    const vma = this.vmas[index];
    return vma && vma.start <= address && address < vma.end ? vma : undefined;
  }

  /** The VMAs sharing at least one byte with `[start, end)`, in order. */
  overlapping(start: number, end: number): Vma[] {
    const out: Vma[] = [];
    let index = Math.max(0, this.indexAfter(start) - 1);
    for (; index < this.vmas.length; index++) {
      const vma = this.vmas[index]!;
      if (vma.start >= end) break;
      if (vma.end > start) out.push(vma);
    }
    return out;
  }

  /** True when every byte of `[start, end)` is in some VMA. */
  covers(start: number, end: number): boolean {
    let cursor = start;
    for (const vma of this.overlapping(start, end)) {
      if (vma.start > cursor) return false;
      cursor = vma.end;
    }
    return cursor >= end;
  }

  /** True when no VMA touches `[start, end)`. */
  isFree(start: number, end: number): boolean {
    return this.overlapping(start, end).length === 0;
  }

  /** This list without `[start, end)`: VMAs cut there are split (`munmap`). */
  without(start: number, end: number): VmaList {
    const kept: Vma[] = [];
    for (const vma of this.vmas) {
      if (vma.end <= start || vma.start >= end) {
        kept.push(vma);
        continue;
      }
      if (vma.start < start) kept.push(sliceVma(vma, vma.start, start));
      if (vma.end > end) kept.push(sliceVma(vma, end, vma.end));
    }
    return new VmaList(kept);
  }

  /** This list with `vma` added, replacing whatever overlapped it (`MAP_FIXED`), merged with equal neighbours. */
  with(vma: Vma): VmaList {
    const rest = this.without(vma.start, vma.end).vmas;
    const at = lowerBound(rest, vma.start);
    return new VmaList(mergeAround([...rest.slice(0, at), vma, ...rest.slice(at)], at));
  }

  /**
   * This list with every VMA part inside `[start, end)` replaced by `change(part)`
   * (`mprotect`, `madvise` flags), then merged. The range must be covered.
   */
  updated(start: number, end: number, change: (part: Vma) => Vma): VmaList {
    let list: VmaList = this;
    for (const vma of this.overlapping(start, end)) {
      const part = sliceVma(vma, Math.max(vma.start, start), Math.min(vma.end, end));
      list = list.with(change(part));
    }
    return list;
  }

  /** Index of the first VMA starting after `address`. */
  private indexAfter(address: number): number {
    let lo = 0;
    let hi = this.vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.vmas[mid]!.start <= address) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

function lowerBound(vmas: readonly Vma[], start: number): number {
  let lo = 0;
  let hi = vmas.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (vmas[mid]!.start < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Merges the VMA at `index` with equal, adjacent neighbours, as Linux's `vma_merge`. */
function mergeAround(vmas: Vma[], index: number): Vma[] {
  let first = index;
  let last = index;
  while (first > 0 && canMerge(vmas[first - 1]!, vmas[first]!)) first--;
  while (last < vmas.length - 1 && canMerge(vmas[last]!, vmas[last + 1]!)) last++;
  if (first === last) return vmas;
  const merged = sliceVma(vmas[first]!, vmas[first]!.start, vmas[last]!.end);
  return [...vmas.slice(0, first), merged, ...vmas.slice(last + 1)];
}

function canMerge(a: Vma, b: Vma): boolean {
  return a.end === b.start && sameAttributes(a, b);
}
