import { MmapAnnotation, MmapProtection, MmapStrategy } from "@osal/core";
import { expect } from "vitest";
import type { ConformanceGroup } from "../conformance-case.js";
import { expectBytes, expectFailsCleanly, expectZero } from "../expectations.js";
import { freeRange, mapPattern } from "../fixtures.js";
import { listedAt } from "../listing.js";

const FIXED = MmapStrategy.TEST;
const NOREPLACE = MmapStrategy.DEFAULT;

/** `dzmmap` at exact addresses: `MAP_FIXED`, `MAP_FIXED_NOREPLACE`, and backends that have neither. */
export const placementGroup: ConformanceGroup = {
  title: "fixed and noreplace placement",
  cases: [
    {
      name: "fixed: maps exactly at a free address",
      requires: { fixed: true },
      run(os) {
        const p = os.pageSize;
        const start = freeRange(os, 2);
        os.dzmmap(start, 2 * p, FIXED, MmapAnnotation.misc("fixed"));
        expect(listedAt(os, start)?.annotation).toBe("misc:fixed");
        expectZero(os, start, 2 * p);
      },
    },
    {
      name: "fixed: replacing a whole mapping gives zeros and the new attributes",
      requires: { fixed: true },
      run(os) {
        const p = os.pageSize;
        const old = mapPattern(os, 2, 21);
        const strategy = FIXED.withProt(MmapProtection.ReadWriteExec);
        os.dzmmap(old.start, 2 * p, strategy, MmapAnnotation.misc("replaced"));
        expectZero(os, old.start, 2 * p);
        expect(listedAt(os, old.start)).toEqual({
          prot: MmapProtection.ReadWriteExec,
          reserve: true,
          annotation: "misc:replaced",
        });
      },
    },
    {
      name: "fixed: replacing the middle of a mapping keeps both ends",
      requires: { fixed: true, partialUnmap: true },
      run(os) {
        const p = os.pageSize;
        const old = mapPattern(os, 3, 22);
        os.dzmmap(old.start + p, p, FIXED);
        expectBytes(os, old.start, old.bytes.subarray(0, p));
        expectZero(os, old.start + p, p);
        expectBytes(os, old.start + 2 * p, old.bytes.subarray(2 * p));
      },
    },
    {
      name: "noreplace: maps exactly at a free address",
      requires: { noReplace: true },
      run(os) {
        const p = os.pageSize;
        const start = freeRange(os, 2);
        os.dzmmap(start, 2 * p, NOREPLACE);
        expectZero(os, start, 2 * p);
        expect(listedAt(os, start)?.prot).toBe(MmapProtection.ReadWrite);
      },
    },
    {
      name: "noreplace: an exact overlap fails with EEXIST and changes nothing",
      requires: { noReplace: true },
      run(os) {
        const old = mapPattern(os, 2, 23);
        expectFailsCleanly(os, () => os.dzmmap(old.start, 2 * os.pageSize, NOREPLACE), "EEXIST");
      },
    },
    {
      name: "noreplace: a partial overlap (one page taken, one free) fails with EEXIST and changes nothing",
      requires: { noReplace: true },
      run(os) {
        const p = os.pageSize;
        const start = freeRange(os, 3);
        os.dzmmap(start, p, NOREPLACE);
        os.write(start, new Uint8Array([1, 2, 3]));
        expectFailsCleanly(os, () => os.dzmmap(start, 3 * p, NOREPLACE), "EEXIST");
      },
    },
    {
      name: "without fixed: replace at a free address fails with ENOTSUP and changes nothing",
      requires: { fixed: false },
      run(os) {
        mapPattern(os, 1, 24);
        const start = freeRange(os, 2);
        expectFailsCleanly(os, () => os.dzmmap(start, 2 * os.pageSize, FIXED), "ENOTSUP");
      },
    },
    {
      name: "without noReplace: noreplace at a free address fails with ENOTSUP and changes nothing",
      requires: { noReplace: false },
      run(os) {
        mapPattern(os, 1, 25);
        const start = freeRange(os, 2);
        expectFailsCleanly(os, () => os.dzmmap(start, 2 * os.pageSize, NOREPLACE), "ENOTSUP");
      },
    },
  ],
};
