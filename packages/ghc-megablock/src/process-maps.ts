import { type MappingInfo, type MapsLine, MmapProtection } from "@osal/core";

/** The name foreign memory (not this backend's) has in `getProcessMemoryMaps`. */
export const FOREIGN_MEMORY_NAME = "[heap]";

/**
 * The `/proc/self/maps` lines of ghc-megablock: its `mappings` with their
 * annotations, and each `foreign` range of the memory (what was there before
 * it, alignment gaps, pages grown by others) as {@link FOREIGN_MEMORY_NAME}.
 * Free megablocks are not mappings and are not listed.
 */
export function megablockMapsLines(
  mappings: readonly MappingInfo[],
  foreign: readonly { start: number; end: number }[],
): MapsLine[] {
  const lines: MapsLine[] = mappings.map(({ start, end, prot, annotation }) => ({
    start,
    end,
    prot,
    annotation,
  }));
  for (const range of foreign) {
    lines.push({ ...range, prot: MmapProtection.ReadWrite, name: FOREIGN_MEMORY_NAME });
  }
  lines.sort((a, b) => a.start - b.start);
  return lines;
}
