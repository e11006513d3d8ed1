import { MmapProtection, MmapStrategy, type OSMemory, rangesOverlap } from "@osal/core";
import { fail } from "./decode.js";

/**
 * `mremap(old, oldSize, newSize, MREMAP_MAYMOVE | MREMAP_FIXED, newAddr)` over
 * the portable `OSMemory` calls, as Linux does it: the part that moves (the
 * first `min(oldSize, newSize)` bytes) must lie in one mapping (`EFAULT`
 * otherwise), `newAddr` must be page-aligned and the new range must not
 * overlap the old one (`EINVAL`). Whatever was mapped at the
 * destination is replaced (as `MAP_FIXED`); the first `min(oldSize, newSize)`
 * bytes move there with the mapping's protection, reserve, huge page hint and
 * annotation; the old range is unmapped. A backend that cannot place a mapping
 * at a fixed address fails with its own error (`ENOTSUP`) before anything
 * changes.
 */
export function mremapFixed(
  os: OSMemory,
  old: number,
  oldSize: number,
  newSize: number,
  newAddr: number,
): number {
  const page = os.pageSize;
  if (newAddr % page !== 0)
    throw fail("EINVAL", "mremap", "MREMAP_FIXED address not page-aligned", newAddr);
  if (rangesOverlap(old, old + oldSize, newAddr, newAddr + newSize)) {
    throw fail(
      "EINVAL",
      "mremap",
      "MREMAP_FIXED destination overlaps the source",
      newAddr,
      newSize,
    );
  }
  // As Linux: what moves must lie in one mapping; the excess of a shrinking
  // move is only unmapped, so it may span mappings (or holes).
  const kept = Math.min(oldSize, newSize);
  const mapping = os.getMappings().find((m) => m.start <= old && old + kept <= m.end);
  if (mapping === undefined) {
    throw fail("EFAULT", "mremap", "the range that moves is not within one mapping", old, kept);
  }
  const strategy = new MmapStrategy({
    prot: MmapProtection.ReadWrite,
    reserve: mapping.reserve,
    hugePage: mapping.hugePage,
    replace: true,
  });
  os.dzmmap(newAddr, newSize, strategy, mapping.annotation);
  const hidden = mapping.prot === MmapProtection.NoAccess;
  if (hidden) os.setMemoryAccess(old, kept, MmapProtection.ReadWrite);
  os.write(newAddr, os.read(old, kept));
  if (mapping.prot !== MmapProtection.ReadWrite) os.setMemoryAccess(newAddr, newSize, mapping.prot);
  os.munmap(old, oldSize);
  return newAddr;
}
