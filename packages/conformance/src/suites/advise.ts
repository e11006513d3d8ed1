import { type MadviseAdvice, MmapProtection, madviseAdvices } from "@osal/core";
import { expect } from "vitest";
import type { ConformanceCase, ConformanceGroup } from "../conformance-case.js";
import { expectBytes, expectFailsCleanly, expectZero } from "../expectations.js";
import { freeRange, mapPattern } from "../fixtures.js";
import { listedAt } from "../listing.js";

const hintCases: ConformanceCase[] = madviseAdvices
  .filter((advice): advice is Exclude<MadviseAdvice, "dontneed"> => advice !== "dontneed")
  .map((advice) => ({
    name: `madvise ${advice} keeps the bytes and the mapping`,
    run(os) {
      const m = mapPattern(os, 2, 61);
      os.madvise(m.start, 2 * os.pageSize, advice);
      expectBytes(os, m.start, m.bytes);
      expect(listedAt(os, m.start)?.prot).toBe(MmapProtection.ReadWrite);
    },
  }));

/** `madvise`: `dontneed` zeroes, the hints change nothing, unmapped ranges fail. */
export const adviseGroup: ConformanceGroup = {
  title: "madvise",
  cases: [
    {
      name: "madvise dontneed makes the range read as zero and keeps it mapped",
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 2, 62);
        os.madvise(m.start, 2 * p, "dontneed");
        expectZero(os, m.start, 2 * p);
        expect(listedAt(os, m.start)?.prot).toBe(MmapProtection.ReadWrite);
        os.fill(m.start, 4, 7);
        expect(Array.from(os.read(m.start, 5))).toEqual([7, 7, 7, 7, 0]);
      },
    },
    {
      name: "madvise dontneed on part of a mapping zeroes only that part",
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 3, 63);
        os.madvise(m.start + p, p, "dontneed");
        expectBytes(os, m.start, m.bytes.subarray(0, p));
        expectZero(os, m.start + p, p);
        expectBytes(os, m.start + 2 * p, m.bytes.subarray(2 * p));
      },
    },
    {
      name: "madvise dontneed on NoAccess memory keeps it NoAccess; it reads as zero once accessible",
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 1, 64);
        os.setMemoryAccess(m.start, p, MmapProtection.NoAccess);
        os.madvise(m.start, p, "dontneed");
        expect(listedAt(os, m.start)?.prot).toBe(MmapProtection.NoAccess);
        os.setMemoryAccess(m.start, p, MmapProtection.ReadWrite);
        expectZero(os, m.start, p);
      },
    },
    ...hintCases,
    {
      name: "madvise on an unmapped range fails with ENOMEM and changes nothing",
      run(os) {
        mapPattern(os, 1, 65);
        const start = freeRange(os, 2);
        expectFailsCleanly(os, () => os.madvise(start, 2 * os.pageSize, "dontneed"), "ENOMEM");
      },
    },
  ],
};
