import {
  MmapAnnotation,
  MmapProtection,
  MmapStrategy,
  type OperatingSystem,
  rangesOverlap,
} from "@osal/core";
import { expect } from "vitest";
import type { CaseContext, ConformanceGroup } from "../conformance-case.js";
import { expectBytes, expectFailsCleanly, expectUnmapped, expectZero } from "../expectations.js";
import { canPlace, freeRange, mapPages, mapPattern, pattern, placeAt } from "../fixtures.js";
import { listedAt } from "../listing.js";

/**
 * Two mappings with different attributes and annotations and a one-page hole
 * between them: `[a a] [ ] [b b]` (5 pages from `start`), each filled with its
 * own pattern. Skips the case when the backend cannot place mappings.
 */
function twoMappingsAndAHole(
  os: OperatingSystem,
  context: CaseContext,
): { start: number; a: Uint8Array; b: Uint8Array } {
  if (!canPlace(os)) return context.skip("needs fixed or noReplace to lay out mappings");
  const p = os.pageSize;
  const start = freeRange(os, 5);
  placeAt(os, start, 2, MmapStrategy.DEFAULT, MmapAnnotation.space("a"));
  placeAt(
    os,
    start + 3 * p,
    2,
    MmapStrategy.DEFAULT.withProt(MmapProtection.ReadWriteExec),
    MmapAnnotation.space("b"),
  );
  const a = pattern(2 * p, 61);
  const b = pattern(2 * p, 62);
  os.write(start, a);
  os.write(start + 3 * p, b);
  return { start, a, b };
}

/**
 * `mremap` as Linux 6.17 has it: shrinking across holes and mappings, moving a
 * range spanning several mappings, `MREMAP_DONTUNMAP`, `MREMAP_FIXED` (atomic),
 * and the argument rules every backend applies (whatever it supports).
 */
export const linuxRemapGroup: ConformanceGroup = {
  title: "mremap as Linux 6.17",
  cases: [
    {
      name: "dontUnmap without mayMove, or with a size change, fails with EINVAL and changes nothing",
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 2, 63);
        expectFailsCleanly(
          os,
          () => os.mremap(m.start, 2 * p, 2 * p, { dontUnmap: true }),
          "EINVAL",
        );
        expectFailsCleanly(
          os,
          () => os.mremap(m.start, 2 * p, 3 * p, { mayMove: true, dontUnmap: true }),
          "EINVAL",
        );
        expectFailsCleanly(
          os,
          () => os.mremap(m.start, 2 * p, p, { mayMove: true, dontUnmap: true }),
          "EINVAL",
        );
      },
    },
    {
      name: "newAddress without mayMove, unaligned, or overlapping the old range fails with EINVAL and changes nothing",
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 2, 64);
        const target = freeRange(os, 2);
        expectFailsCleanly(
          os,
          () => os.mremap(m.start, 2 * p, 2 * p, { newAddress: target }),
          "EINVAL",
        );
        expectFailsCleanly(
          os,
          () => os.mremap(m.start, 2 * p, 2 * p, { mayMove: true, newAddress: target + 1 }),
          "EINVAL",
        );
        expectFailsCleanly(
          os,
          () => os.mremap(m.start, 2 * p, 2 * p, { mayMove: true, newAddress: m.start + p }),
          "EINVAL",
        );
      },
    },
    {
      name: "without remapDontUnmap: dontUnmap fails with ENOTSUP and changes nothing",
      requires: { remapDontUnmap: false },
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 2, 65);
        expectFailsCleanly(
          os,
          () => os.mremap(m.start, 2 * p, 2 * p, { mayMove: true, dontUnmap: true }),
          "ENOTSUP",
        );
      },
    },
    {
      name: "without remapFixed: newAddress fails with ENOTSUP and changes nothing",
      requires: { remapFixed: false },
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 2, 66);
        const target = freeRange(os, 2);
        expectFailsCleanly(
          os,
          () => os.mremap(m.start, 2 * p, 2 * p, { mayMove: true, newAddress: target }),
          "ENOTSUP",
        );
      },
    },
    {
      name: "remapAcrossMappings: shrinking across a hole and a second mapping unmaps the whole tail",
      requires: { remapAcrossMappings: true },
      run(os, context) {
        const p = os.pageSize;
        const { start, a } = twoMappingsAndAHole(os, context);
        expect(os.mremap(start, 5 * p, p)).toBe(start);
        expectBytes(os, start, a.subarray(0, p));
        expectUnmapped(os, start + p, 4 * p);
      },
    },
    {
      name: "remapAcrossMappings: the same size over several mappings and holes is a no-op",
      requires: { remapAcrossMappings: true },
      run(os, context) {
        const p = os.pageSize;
        const { start, a, b } = twoMappingsAndAHole(os, context);
        expect(os.mremap(start, 5 * p, 5 * p, { mayMove: true })).toBe(start);
        expectBytes(os, start, a);
        expectBytes(os, start + 3 * p, b);
        expectUnmapped(os, start + 2 * p, p);
      },
    },
    {
      name: "remapFixed + remapAcrossMappings: moving a range spanning two mappings and a hole keeps each part's bytes, attributes and the hole",
      requires: { remapAcrossMappings: true, remapFixed: true },
      run(os, context) {
        const p = os.pageSize;
        const { start, a, b } = twoMappingsAndAHole(os, context);
        const target = freeRange(os, 5);
        expect(os.mremap(start, 5 * p, 5 * p, { mayMove: true, newAddress: target })).toBe(target);
        expectBytes(os, target, a);
        expectBytes(os, target + 3 * p, b);
        expect(listedAt(os, target)).toEqual({
          prot: MmapProtection.ReadWrite,
          reserve: true,
          annotation: "space:a",
        });
        expect(listedAt(os, target + 3 * p)).toEqual({
          prot: MmapProtection.ReadWriteExec,
          reserve: true,
          annotation: "space:b",
        });
        expectUnmapped(os, target + 2 * p, p);
        expectUnmapped(os, start, 5 * p);
      },
    },
    {
      name: "remapAcrossMappings: a move that resizes a range spanning two mappings fails with EFAULT and changes nothing",
      requires: { remapAcrossMappings: true, remapFixed: true },
      run(os, context) {
        const p = os.pageSize;
        const { start } = twoMappingsAndAHole(os, context);
        const target = freeRange(os, 6);
        expectFailsCleanly(
          os,
          () => os.mremap(start, 5 * p, 6 * p, { mayMove: true, newAddress: target }),
          "EFAULT",
        );
      },
    },
    {
      name: "remapDontUnmap: the pages move, the old range stays mapped and reads zero",
      requires: { remapDontUnmap: true },
      run(os) {
        const p = os.pageSize;
        const start = mapPages(os, 2, MmapStrategy.DEFAULT, MmapAnnotation.space("kept"));
        const bytes = pattern(2 * p, 67);
        os.write(start, bytes);
        const moved = os.mremap(start, 2 * p, 2 * p, { mayMove: true, dontUnmap: true });
        expect(moved).not.toBe(start);
        expectBytes(os, moved, bytes);
        expectZero(os, start, 2 * p);
        expect(listedAt(os, start)).toEqual(listedAt(os, moved));
        expect(listedAt(os, moved)?.annotation).toBe("space:kept");
      },
    },
    {
      name: "remapDontUnmap + remapFixed + remapAcrossMappings: several mappings move to newAddress and stay mapped, zeroed, at the old place",
      requires: { remapDontUnmap: true, remapFixed: true, remapAcrossMappings: true },
      run(os, context) {
        const p = os.pageSize;
        const { start, a, b } = twoMappingsAndAHole(os, context);
        const target = freeRange(os, 5);
        const options = { mayMove: true, dontUnmap: true, newAddress: target };
        expect(os.mremap(start, 5 * p, 5 * p, options)).toBe(target);
        expectBytes(os, target, a);
        expectBytes(os, target + 3 * p, b);
        expectZero(os, start, 2 * p);
        expectZero(os, start + 3 * p, 2 * p);
        expectUnmapped(os, start + 2 * p, p);
        expect(listedAt(os, start + 3 * p)?.annotation).toBe("space:b");
      },
    },
    {
      name: "remapFixed: newAddress replaces what is mapped there, growing reads zero past the old size",
      requires: { remapFixed: true },
      run(os) {
        const p = os.pageSize;
        const source = mapPattern(os, 2, 68);
        const dest = mapPattern(os, 4, 69);
        expect(
          os.mremap(source.start, 2 * p, 3 * p, { mayMove: true, newAddress: dest.start }),
        ).toBe(dest.start);
        expectBytes(os, dest.start, source.bytes);
        expectZero(os, dest.start + 2 * p, p);
        // Past the new size the destination's old mapping is untouched.
        expectBytes(os, dest.start + 3 * p, dest.bytes.subarray(3 * p));
        expectUnmapped(os, source.start, 2 * p);
      },
    },
    {
      name: "remapFixed: a failed move leaves source and destination exactly as before",
      requires: { remapFixed: true },
      run(os) {
        const p = os.pageSize;
        const dest = mapPattern(os, 4, 70);
        const hole = freeRange(os, 2);
        // Nothing mapped at the source: EFAULT, the destination keeps its bytes.
        expectFailsCleanly(
          os,
          () => os.mremap(hole, 2 * p, 2 * p, { mayMove: true, newAddress: dest.start }),
          "EFAULT",
        );
        // Growing a source that is not one mapping that long: EFAULT.
        const source = mapPages(os, 2, MmapStrategy.DEFAULT, MmapAnnotation.space("source"));
        const sourceBytes = pattern(2 * p, 71);
        os.write(source, sourceBytes);
        const other = mapPattern(os, 4, 72);
        const target = [dest, other].find(
          (d) => !rangesOverlap(source, source + 3 * p, d.start, d.start + 4 * p),
        )!;
        expectFailsCleanly(
          os,
          () => os.mremap(source, 3 * p, 4 * p, { mayMove: true, newAddress: target.start }),
          "EFAULT",
        );
        // Overlap of old and new range: EINVAL.
        expectFailsCleanly(
          os,
          () => os.mremap(dest.start, 2 * p, 2 * p, { mayMove: true, newAddress: dest.start + p }),
          "EINVAL",
        );
        expectBytes(os, dest.start, dest.bytes);
        expectBytes(os, source, sourceBytes);
      },
    },
  ],
};
