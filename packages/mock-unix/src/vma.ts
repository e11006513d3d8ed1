import {
  accountedAfterMprotect,
  HugePageSupport,
  isAccountable,
  type MmapAnnotation,
  type MmapProtection,
  type MmapStrategy,
  sameAnnotation,
} from "@osal/core";

/**
 * A virtual memory area: a run of pages with the same attributes, as Linux's
 * `struct vm_area_struct`. Immutable: operations build new VMAs.
 */
export interface Vma {
  /** First byte (page-aligned). */
  readonly start: number;
  /** One past the last byte (page-aligned). */
  readonly end: number;
  /** Access rights. */
  readonly prot: MmapProtection;
  /** Mapped without `MAP_NORESERVE`. */
  readonly reserve: boolean;
  /**
   * Charged against the commit limit (Linux's `VM_ACCOUNT`): set when the mapping
   * is writable and reserved, or when `mprotect` later makes it writable;
   * cleared by `mprotect` to `PROT_NONE` only while the VMA has no `anon_vma`
   * (never written), as Linux 6.7+ does.
   */
  readonly accounted: boolean;
  /** Transparent huge page hint (Linux's `VM_HUGEPAGE`). */
  readonly hugePage: HugePageSupport;
  /**
   * `madvise(MADV_NOHUGEPAGE)` was given (Linux's `VM_NOHUGEPAGE`). Listed as
   * `hugePage: No` like a mapping never advised, but a different VMA flag: Linux
   * does not merge such a VMA with an unadvised neighbour.
   */
  readonly noHugePage: boolean;
  /**
   * The access pattern `madvise` last declared: `MADV_SEQUENTIAL` and
   * `MADV_RANDOM` set Linux's `VM_SEQ_READ` / `VM_RAND_READ`, `MADV_NORMAL`
   * clears them. Not listed, but a VMA flag: it splits and keeps apart VMAs.
   */
  readonly readAhead: ReadAhead;
  /** What it is for. */
  readonly annotation: MmapAnnotation | undefined;
  /**
   * Linux's `vm_pgoff`, in bytes: the offset of `start` in the VMA's anonymous
   * page space. A fresh mapping's is its own address; splitting keeps it
   * linear; a VMA moved by `mremap` after it was written keeps the old one.
   * VMAs merge only when it continues across the boundary.
   */
  readonly offset: number;
  /**
   * Identity of Linux's `anon_vma`, given on the first write to the VMA (or
   * shared from a compatible neighbour) and kept by its pieces and moves.
   * `undefined` until then. VMAs with different `anon_vma`s never merge.
   */
  readonly anonVma: number | undefined;
}

/** The read-ahead advice a VMA carries (see {@link Vma.readAhead}). */
export type ReadAhead = "normal" | "sequential" | "random";

/** The attributes of a VMA without its range and its merge identity (offset, `anon_vma`). */
export type VmaAttributes = Omit<Vma, "start" | "end" | "offset" | "anonVma">;

/** A copy of `vma` covering `[start, end)` instead. */
export function sliceVma(vma: Vma, start: number, end: number): Vma {
  return { ...vma, start, end, offset: vma.offset + (start - vma.start) };
}

/** True when two `anon_vma`s may end up in one VMA: either is unset, or they are the same. */
export function anonVmaCompatible(a: number | undefined, b: number | undefined): boolean {
  return a === undefined || b === undefined || a === b;
}

/** True when `b` starts where `a` ends and its offset continues `a`'s (Linux's `vm_pgoff` check). */
export function continues(a: Vma, b: Vma): boolean {
  return a.end === b.start && a.offset + (a.end - a.start) === b.offset;
}

/**
 * Linux's `is_mergeable_vma` + `is_mergeable_anon_vma` + the `vm_pgoff` check:
 * `b` directly follows `a` and one VMA could hold both.
 */
export function canMerge(a: Vma, b: Vma): boolean {
  return continues(a, b) && sameAttributes(a, b) && anonVmaCompatible(a.anonVma, b.anonVma);
}

/**
 * Linux's `anon_vma_compatible`: whether a VMA about to get an `anon_vma` may
 * share its neighbour's. Only the access rights may differ (not the name).
 */
export function canShareAnonVma(a: Vma, b: Vma): boolean {
  return (
    continues(a, b) &&
    a.reserve === b.reserve &&
    a.accounted === b.accounted &&
    a.hugePage === b.hugePage &&
    a.noHugePage === b.noHugePage &&
    a.readAhead === b.readAhead
  );
}

/** True when `a` and `b` would be one VMA if they were adjacent (Linux merges them). */
export function sameAttributes(a: VmaAttributes, b: VmaAttributes): boolean {
  return (
    a.prot === b.prot &&
    a.reserve === b.reserve &&
    a.accounted === b.accounted &&
    a.hugePage === b.hugePage &&
    a.noHugePage === b.noHugePage &&
    a.readAhead === b.readAhead &&
    sameAnnotation(a.annotation, b.annotation)
  );
}

/** Bytes of `vma` that count against the commit limit. */
export function chargedBytes(vma: Vma): number {
  return vma.accounted ? vma.end - vma.start : 0;
}

/** Bytes charged against the commit limit by all of `vmas`. */
export function totalCharged(vmas: readonly Vma[]): number {
  let bytes = 0;
  for (const vma of vmas) bytes += chargedBytes(vma);
  return bytes;
}

/** A fresh VMA for `mmap` of `[start, start + size)`: demand-zero, never written, charged by Linux's rule. */
export function mappedVma(
  start: number,
  size: number,
  strategy: MmapStrategy,
  annotation: MmapAnnotation | undefined,
): Vma {
  return {
    start,
    end: start + size,
    prot: strategy.prot,
    reserve: strategy.reserve,
    accounted: isAccountable(strategy.prot, strategy.reserve),
    hugePage: HugePageSupport.No,
    noHugePage: false,
    readAhead: "normal",
    offset: start,
    anonVma: undefined,
    annotation,
  };
}

/** `VM_ACCOUNT` of `part` after `mprotect` to `prot` (core's rule; reserved memory is chargeable). */
export function stillAccounted(part: Vma, prot: MmapProtection): boolean {
  return accountedAfterMprotect(
    { prot: part.prot, accounted: part.accounted, written: part.anonVma !== undefined },
    prot,
    part.reserve,
  );
}
