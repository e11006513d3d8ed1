import {
  type HugePageSupport,
  type MmapAnnotation,
  MmapProtection,
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
   * is writable and reserved, or when `mprotect` later makes it writable; never
   * cleared by `mprotect`, as on Linux.
   */
  readonly accounted: boolean;
  /** Transparent huge page hint. */
  readonly hugePage: HugePageSupport;
  /** What it is for. */
  readonly annotation: MmapAnnotation | undefined;
}

/** The attributes of a VMA without its range. */
export type VmaAttributes = Omit<Vma, "start" | "end">;

/** A copy of `vma` covering `[start, end)` instead. */
export function sliceVma(vma: Vma, start: number, end: number): Vma {
  return { ...vma, start, end };
}

/** True when `a` and `b` would be one VMA if they were adjacent (Linux merges them). */
export function sameAttributes(a: VmaAttributes, b: VmaAttributes): boolean {
  return (
    a.prot === b.prot &&
    a.reserve === b.reserve &&
    a.accounted === b.accounted &&
    a.hugePage === b.hugePage &&
    sameAnnotation(a.annotation, b.annotation)
  );
}

/** Whether a VMA with these attributes is charged when it is created (Linux `accountable_mapping`). */
export function isAccountable(prot: MmapProtection, reserve: boolean): boolean {
  return reserve && prot !== MmapProtection.NoAccess;
}

/** Bytes of `vma` that count against the commit limit. */
export function chargedBytes(vma: Vma): number {
  return vma.accounted ? vma.end - vma.start : 0;
}
