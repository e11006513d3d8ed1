import {
  firstEndingAfter,
  type HugePageSupport,
  type MmapAnnotation,
  type MmapProtection,
  rangeAt,
  rangesCover,
  rangesOverlapping,
  sameAnnotation,
} from "@osal/core";

/** One run of user pages with the same attributes, as the backend mapped them. */
export interface TableEntry {
  /** First byte (page-aligned). */
  readonly start: number;
  /** One past the last byte (page-aligned). */
  readonly end: number;
  /** Access rights given to the kernel. */
  readonly prot: MmapProtection;
  /** Mapped without `MAP_NORESERVE`. */
  readonly reserve: boolean;
  /**
   * The kernel's `VM_ACCOUNT` (charged against the commit limit), kept by
   * Linux's rules: set when mapped writable and reserved, or when `mprotect`
   * makes reserved memory writable; cleared by `mprotect` to `PROT_NONE` only
   * while the VMA has no `anon_vma`. The differential test checks it against
   * `/proc/self/smaps`.
   */
  readonly accounted: boolean;
  /**
   * Whether the kernel VMA holding this run has an `anon_vma`: it gets one on
   * the first write fault and shares it with every VMA it merges into.
   */
  readonly anonVma: boolean;
  /** Transparent huge page hint last given. */
  readonly hugePage: HugePageSupport;
  /** What the caller said it is for. */
  readonly annotation: MmapAnnotation | undefined;
}

/**
 * The arena's user mappings as node-posix made them: sorted, never
 * overlapping, adjacent runs with equal attributes merged. Everything in the
 * arena that is not in the table is a placeholder. The kernel holds the pages
 * and the VMAs; the table holds what the kernel cannot say cheaply (reserve,
 * huge page hint, annotation when VMAs cannot be named) and answers the
 * questions that must be settled before a call reaches the kernel (is this
 * range free, is this byte accessible), because placeholders make every arena
 * page look mapped to the kernel.
 */
export class MappingTable {
  private entries: TableEntry[] = [];

  /** All entries in address order. */
  all(): readonly TableEntry[] {
    return this.entries;
  }

  /** The entry holding `address`, if any. */
  find(address: number): TableEntry | undefined {
    return rangeAt(this.entries, address);
  }

  /** The entries sharing a byte with `[start, end)`, in order. */
  overlapping(start: number, end: number): TableEntry[] {
    return rangesOverlapping(this.entries, start, end);
  }

  /** True when no entry touches `[start, end)`. */
  isFree(start: number, end: number): boolean {
    return this.overlapping(start, end).length === 0;
  }

  /** True when every byte of `[start, end)` is in an entry. */
  covers(start: number, end: number): boolean {
    return rangesCover(this.overlapping(start, end), start, end);
  }

  /** Bytes in entries. */
  mappedBytes(): number {
    let bytes = 0;
    for (const entry of this.entries) bytes += entry.end - entry.start;
    return bytes;
  }

  /** Bytes charged against the commit limit (`VM_ACCOUNT`). */
  accountedBytes(): number {
    let bytes = 0;
    for (const entry of this.entries) if (entry.accounted) bytes += entry.end - entry.start;
    return bytes;
  }

  /** True when every entry part in `[start, end)` is marked as having an `anon_vma`. */
  allHaveAnonVma(start: number, end: number): boolean {
    return this.overlapping(start, end).every((entry) => entry.anonVma);
  }

  /** Forgets `[start, end)`, splitting entries cut there. */
  remove(start: number, end: number): void {
    const kept: TableEntry[] = [];
    for (const entry of this.entries) {
      if (entry.end <= start || entry.start >= end) {
        kept.push(entry);
        continue;
      }
      if (entry.start < start) kept.push({ ...entry, end: start });
      if (entry.end > end) kept.push({ ...entry, start: end });
    }
    this.entries = kept;
  }

  /** Records `entry`, replacing whatever overlapped it, merged with equal neighbours. */
  set(entry: TableEntry): void {
    this.remove(entry.start, entry.end);
    const at = firstEndingAfter(this.entries, entry.start);
    this.entries.splice(at, 0, entry);
    this.mergeAround(at);
  }

  /** Replaces every part of `[start, end)` that is mapped by `change(part)`. */
  update(start: number, end: number, change: (part: TableEntry) => TableEntry): void {
    for (const entry of this.overlapping(start, end)) {
      const part = { ...entry, start: Math.max(entry.start, start), end: Math.min(entry.end, end) };
      this.set(change(part));
    }
  }

  /** Forgets every entry. */
  clear(): void {
    this.entries = [];
  }

  private mergeAround(index: number): void {
    let first = index;
    let last = index;
    while (first > 0 && mergeable(this.entries[first - 1]!, this.entries[first]!)) first--;
    while (
      last < this.entries.length - 1 &&
      mergeable(this.entries[last]!, this.entries[last + 1]!)
    )
      last++;
    if (first === last) return;
    const merged = { ...this.entries[first]!, end: this.entries[last]!.end };
    this.entries.splice(first, last - first + 1, merged);
  }
}

/** True when `a` and `b` are adjacent with the same attributes. */
export function mergeable(a: TableEntry, b: TableEntry): boolean {
  return a.end === b.start && sameEntryAttributes(a, b);
}

/** True when two entries have the same attributes, ranges aside. */
export function sameEntryAttributes(a: TableEntry, b: TableEntry): boolean {
  return (
    a.prot === b.prot &&
    a.reserve === b.reserve &&
    a.accounted === b.accounted &&
    a.anonVma === b.anonVma &&
    a.hugePage === b.hugePage &&
    sameAnnotation(a.annotation, b.annotation)
  );
}
