import {
  MmapAnnotation,
  MmapProtection,
  MmapStrategy,
  type OperatingSystem,
  type OSMemory,
} from "@osal/core";

/**
 * Ways the suites set up memory using only the public interface: every address
 * comes from `dzmmapAnywhere`, every size is a multiple of `pageSize`.
 */

/** `length` bytes of a recognisable, never-zero pattern that depends on `seed`. */
export function pattern(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = ((i * 131 + seed * 71 + (i >> 8) * 17) % 255) + 1;
  return bytes;
}

/** Maps `pages` read-write pages anywhere (page-aligned) and returns the start. */
export function mapPages(
  os: OSMemory,
  pages: number,
  strategy: MmapStrategy = MmapStrategy.DEFAULT,
  annotation?: MmapAnnotation,
): number {
  return os.dzmmapAnywhere(pages * os.pageSize, os.pageSize, strategy, annotation);
}

/** Maps `pages` read-write pages anywhere and fills them with `pattern(…, seed)`; returns start and bytes. */
export function mapPattern(
  os: OSMemory,
  pages: number,
  seed: number,
): { start: number; bytes: Uint8Array } {
  const start = mapPages(os, pages);
  const bytes = pattern(pages * os.pageSize, seed);
  os.write(start, bytes);
  return { start, bytes };
}

/** A range of `pages` pages that the backend handed out and took back: free now. */
export function freeRange(os: OSMemory, pages: number): number {
  const start = mapPages(os, pages);
  os.munmap(start, pages * os.pageSize);
  return start;
}

/** True when the backend can map at an address of the caller's choosing. */
export function canPlace(os: OSMemory): boolean {
  return os.capabilities.fixed || os.capabilities.noReplace;
}

/** Maps at exactly `start`, with `MAP_FIXED` or `MAP_FIXED_NOREPLACE`, whichever the backend has. */
export function placeAt(
  os: OSMemory,
  start: number,
  pages: number,
  strategy: MmapStrategy = MmapStrategy.DEFAULT,
  annotation?: MmapAnnotation,
): void {
  const replace = os.capabilities.noReplace ? false : os.capabilities.fixed;
  os.dzmmap(start, pages * os.pageSize, strategy.withReplace(replace), annotation);
}

/**
 * A read-write mapping of `pages` pages followed by `holePages` unmapped pages,
 * made by trimming (partial munmap) or by placing (fixed/noreplace); `undefined`
 * when the backend can do neither.
 */
export function mapWithHoleAfter(
  os: OSMemory,
  pages: number,
  holePages: number,
): number | undefined {
  const p = os.pageSize;
  if (os.capabilities.partialUnmap) {
    const start = mapPages(os, pages + holePages);
    os.munmap(start + pages * p, holePages * p);
    return start;
  }
  if (canPlace(os)) {
    const start = freeRange(os, pages + holePages);
    placeAt(os, start, pages);
    return start;
  }
  return undefined;
}

/** The annotation of the neighbour {@link mapWithNeighbour} makes. */
export const neighbourAnnotation: MmapAnnotation = MmapAnnotation.misc("neighbour");

/**
 * A read-write mapping of `pages` pages directly followed by a `NoAccess`
 * neighbour of `neighbourPages` pages (different attributes, so never one
 * mapping with it); `undefined` when the backend cannot make one.
 */
export function mapWithNeighbour(
  os: OperatingSystem,
  pages: number,
  neighbourPages: number,
): number | undefined {
  const p = os.pageSize;
  const noAccess = MmapStrategy.DEFAULT.withProt(MmapProtection.NoAccess);
  if (canPlace(os)) {
    const start = freeRange(os, pages + neighbourPages);
    placeAt(os, start, pages);
    placeAt(os, start + pages * p, neighbourPages, noAccess, neighbourAnnotation);
    return start;
  }
  if (os.capabilities.partialUnmap) {
    const start = mapPages(os, pages + neighbourPages);
    os.setMemoryAccess(start + pages * p, neighbourPages * p, MmapProtection.NoAccess);
    return start;
  }
  return undefined;
}
