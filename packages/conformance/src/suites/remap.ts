import { MmapAnnotation, MmapProtection, MmapStrategy } from "@osal/core";
import { expect } from "vitest";
import type { ConformanceGroup } from "../conformance-case.js";
import {
  expectBytes,
  expectFailsCleanly,
  expectUnchanged,
  expectUnmapped,
  expectZero,
} from "../expectations.js";
import {
  freeRange,
  mapPages,
  mapPattern,
  mapWithHoleAfter,
  mapWithNeighbour,
  pattern,
} from "../fixtures.js";
import { listedAt } from "../listing.js";
import { snapshotMemory } from "../snapshot.js";

/** `mremap`: same size, growing in place or by moving, shrinking, and the failures Linux reports. */
export const remapGroup: ConformanceGroup = {
  title: "mremap",
  cases: [
    {
      name: "mremap to the same size returns the same address and changes nothing",
      run(os) {
        const m = mapPattern(os, 2, 41);
        const before = snapshotMemory(os);
        expect(os.mremap(m.start, 2 * os.pageSize, 2 * os.pageSize)).toBe(m.start);
        expectUnchanged(os, before);
      },
    },
    {
      name: "mremap with mayMove grows a mapping, keeping bytes, protection and annotation; new pages read zero",
      run(os) {
        const p = os.pageSize;
        const strategy = MmapStrategy.DEFAULT.withProt(MmapProtection.ReadWriteExec);
        const start = mapPages(os, 2, strategy, MmapAnnotation.space("grown"));
        const bytes = pattern(2 * p, 42);
        os.write(start, bytes);
        const moved = os.mremap(start, 2 * p, 5 * p, { mayMove: true });
        expect(moved % p).toBe(0);
        expectBytes(os, moved, bytes);
        expectZero(os, moved + 2 * p, 3 * p);
        expect(listedAt(os, moved)).toEqual({
          prot: MmapProtection.ReadWriteExec,
          reserve: true,
          annotation: "space:grown",
        });
        if (moved + 5 * p <= start || moved >= start + 2 * p) expectUnmapped(os, start, 2 * p);
      },
    },
    {
      name: "mremap with mayMove next to an occupied neighbour moves the mapping and frees the old range",
      run(os, context) {
        const p = os.pageSize;
        const start = mapWithNeighbour(os, 2, 1);
        if (start === undefined)
          return context.skip("needs fixed, noReplace or partialUnmap to make a neighbour");
        const bytes = pattern(2 * p, 43);
        os.write(start, bytes);
        const moved = os.mremap(start, 2 * p, 4 * p, { mayMove: true });
        expect(moved).not.toBe(start);
        expectBytes(os, moved, bytes);
        expectZero(os, moved + 2 * p, 2 * p);
        expectUnmapped(os, start, 2 * p);
        expect(listedAt(os, start + 2 * p)?.prot).toBe(MmapProtection.NoAccess);
      },
    },
    {
      name: "a mapping whose protection was changed and changed back is one mapping again for mremap",
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 2, 50);
        os.setMemoryAccess(m.start, p, MmapProtection.NoAccess);
        os.setMemoryAccess(m.start, p, MmapProtection.ReadWrite);
        const moved = os.mremap(m.start, 2 * p, 3 * p, { mayMove: true });
        expectBytes(os, moved, m.bytes);
        expectZero(os, moved + 2 * p, p);
      },
    },
    {
      name: "remapInPlace: growing into free pages keeps the address and the bytes",
      requires: { remapInPlace: true },
      run(os, context) {
        const p = os.pageSize;
        const start = mapWithHoleAfter(os, 2, 2);
        if (start === undefined)
          return context.skip("needs partialUnmap, fixed or noReplace to make room");
        const bytes = pattern(2 * p, 44);
        os.write(start, bytes);
        expect(os.mremap(start, 2 * p, 4 * p)).toBe(start);
        expectBytes(os, start, bytes);
        expectZero(os, start + 2 * p, 2 * p);
      },
    },
    {
      name: "growing without mayMove into an occupied neighbour fails with ENOMEM and changes nothing",
      run(os, context) {
        const p = os.pageSize;
        const start = mapWithNeighbour(os, 2, 1);
        if (start === undefined)
          return context.skip("needs fixed, noReplace or partialUnmap to make a neighbour");
        os.write(start, pattern(2 * p, 45));
        expectFailsCleanly(os, () => os.mremap(start, 2 * p, 3 * p), "ENOMEM");
      },
    },
    {
      name: "without remapInPlace: growing without mayMove fails with ENOMEM and changes nothing",
      requires: { remapInPlace: false },
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 2, 46);
        expectFailsCleanly(os, () => os.mremap(m.start, 2 * p, 4 * p), "ENOMEM");
      },
    },
    {
      name: "shrinking keeps the address and the head's bytes and unmaps the tail",
      requires: { partialUnmap: true },
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 4, 47);
        expect(os.mremap(m.start, 4 * p, p)).toBe(m.start);
        expectBytes(os, m.start, m.bytes.subarray(0, p));
        expectUnmapped(os, m.start + p, 3 * p);
      },
    },
    {
      name: "mremap of an unmapped range fails with EFAULT and changes nothing",
      run(os) {
        const p = os.pageSize;
        mapPattern(os, 1, 48);
        const start = freeRange(os, 2);
        expectFailsCleanly(os, () => os.mremap(start, 2 * p, 4 * p, { mayMove: true }), "EFAULT");
      },
    },
    {
      name: "mremap of a range spanning two mappings fails with EFAULT and changes nothing",
      run(os, context) {
        const p = os.pageSize;
        const start = mapWithNeighbour(os, 2, 1);
        if (start === undefined)
          return context.skip("needs fixed, noReplace or partialUnmap to make a neighbour");
        os.write(start, pattern(2 * p, 49));
        expectFailsCleanly(os, () => os.mremap(start, 3 * p, 5 * p, { mayMove: true }), "EFAULT");
      },
    },
  ],
};
