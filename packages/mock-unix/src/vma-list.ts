import { firstEndingAfter, rangeAt, rangesCover, rangesOverlapping } from "@osal/core";
import { anonVmaCompatible, canMerge, canShareAnonVma, sliceVma, type Vma } from "./vma.js";

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
    return rangeAt(this.vmas, address);
  }

  /** The VMAs sharing at least one byte with `[start, end)`, in order. */
  overlapping(start: number, end: number): Vma[] {
    return rangesOverlapping(this.vmas, start, end);
  }

  /** True when every byte of `[start, end)` is in some VMA. */
  covers(start: number, end: number): boolean {
    return rangesCover(this.overlapping(start, end), start, end);
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
    const at = firstEndingAfter(rest, vma.start);
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

  /**
   * This list with an `anon_vma` on every VMA overlapping `[start, end)` that had
   * none, as a write fault gives one (Linux's `anon_vma_prepare`): the next
   * VMA's if it could share it, else the previous one's, else `fresh()`.
   * Nothing merges.
   */
  withAnonVmas(start: number, end: number, fresh: () => number): VmaList {
    if (this.overlapping(start, end).every((vma) => vma.anonVma !== undefined)) return this;
    const vmas = [...this.vmas];
    for (let i = 0; i < vmas.length; i++) {
      const vma = vmas[i]!;
      if (vma.end <= start || vma.start >= end || vma.anonVma !== undefined) continue;
      const next = vmas[i + 1];
      const prev = vmas[i - 1];
      const anonVma =
        (next && canShareAnonVma(vma, next) ? next.anonVma : undefined) ??
        (prev && canShareAnonVma(prev, vma) ? prev.anonVma : undefined) ??
        fresh();
      vmas[i] = { ...vma, anonVma };
    }
    return new VmaList(vmas);
  }
}

/**
 * Merges the VMA at `index` with its neighbours where Linux's `vma_merge` would:
 * each side that can hold it, and both only when their `anon_vma`s agree.
 */
function mergeAround(vmas: Vma[], index: number): Vma[] {
  const piece = vmas[index]!;
  const prev = vmas[index - 1];
  const next = vmas[index + 1];
  const left = prev !== undefined && canMerge(prev, piece);
  const right =
    next !== undefined &&
    canMerge(piece, next) &&
    (!left || anonVmaCompatible(prev.anonVma, next.anonVma));
  if (!left && !right) return vmas;
  const first = left ? prev : piece;
  const merged: Vma = {
    ...piece,
    start: first.start,
    end: right ? next.end : piece.end,
    offset: first.offset,
    anonVma:
      (left ? prev.anonVma : undefined) ?? piece.anonVma ?? (right ? next.anonVma : undefined),
  };
  const from = left ? index - 1 : index;
  const to = right ? index + 1 : index;
  return [...vmas.slice(0, from), merged, ...vmas.slice(to + 1)];
}
