import { type MmapAnnotation, MmapStrategy, type OperatingSystem } from "@osal/core";
import { expect } from "vitest";
import type { ConformanceCase, ConformanceGroup } from "../conformance-case.js";
import { expectBytes, expectFailsCleanly, expectUnchanged } from "../expectations.js";
import { mapPattern, pattern } from "../fixtures.js";
import { snapshotMemory } from "../snapshot.js";

/**
 * The argument holes an independent model found (osal issue 15), each as the
 * call that showed it: before entry checks, these calls threw `TypeError`s
 * after changing memory, wrote a string as bytes, or left a value in a table
 * that broke later valid calls. Every one must fail with `EINVAL` up front and
 * leave the backend fully usable.
 */

/** Valid calls on `start` (two pages) that must all still work after a refused one. */
function stillUsable(os: OperatingSystem, start: number): void {
  const p = os.pageSize;
  expect(os.getMappings().length).toBeGreaterThan(0);
  os.getProcessMemoryMaps();
  os.setMemoryAccess(start, 2 * p, "ReadWrite");
  os.madvise(start, p, "willneed");
  expect(os.mremap(start, 2 * p, 2 * p)).toBe(start);
  os.fill(start, 8, 0x5a);
  expectBytes(os, start, new Uint8Array(8).fill(0x5a));
}

const cases: ConformanceCase[] = [
  {
    name: "R1: a null or malformed annotation fails with EINVAL and every later valid call works",
    run(os) {
      const { start } = mapPattern(os, 2, 15);
      const p = os.pageSize;
      for (const annotation of [
        null,
        42,
        "space:x",
        { kind: "space" },
        { kind: "misc", name: 1 },
      ]) {
        expectFailsCleanly(
          os,
          () => os.dzmmapAnywhere(2 * p, p, MmapStrategy.DEFAULT, annotation as MmapAnnotation),
          "EINVAL",
        );
        expectFailsCleanly(
          os,
          () =>
            os.dzmmapPreferred(start, 2 * p, p, MmapStrategy.DEFAULT, annotation as MmapAnnotation),
          "EINVAL",
        );
      }
      stillUsable(os, start);
    },
  },
  {
    name: "R1: an annotation object changed after the call does not change the listing",
    run(os) {
      const p = os.pageSize;
      const annotation = { kind: "space" as const, name: "before" };
      const start = os.dzmmapAnywhere(2 * p, p, MmapStrategy.DEFAULT, annotation);
      (annotation as { name: string }).name = "after";
      (annotation as { kind: string }).kind = "bogus";
      const listed = os.getMappings().find((m) => m.start <= start && start < m.end);
      expect(listed?.annotation).toEqual({ kind: "space", name: "before" });
      expect(os.getProcessMemoryMaps()).toContain("space:before");
    },
  },
  {
    name: "R2: write refuses anything but a Uint8Array with EINVAL, writing nothing",
    run(os) {
      const { start } = mapPattern(os, 2, 16);
      const wrong = [null, undefined, [1, 2, 3], "abc", new Uint16Array([1, 2]), { length: 2 }];
      for (const bytes of wrong) {
        expectFailsCleanly(os, () => os.write(start, bytes as Uint8Array), "EINVAL");
      }
      stillUsable(os, start);
    },
  },
  {
    name: "R3: mremap options that are not a plain object of booleans fail with EINVAL",
    run(os) {
      const { start } = mapPattern(os, 2, 17);
      const p = os.pageSize;
      const wrong: unknown[] = [null, 1, true, "mayMove", { mayMove: "yes" }, { mayMove: 1 }];
      for (const options of wrong) {
        expectFailsCleanly(
          os,
          () => os.mremap(start, 2 * p, 3 * p, options as { mayMove: boolean }),
          "EINVAL",
        );
      }
      stillUsable(os, start);
    },
  },
  {
    name: "R3: fill without a value (or with a string) fails with EINVAL instead of filling zeros",
    run(os) {
      const { start } = mapPattern(os, 2, 18);
      const wrong: unknown[] = [undefined, "1", null, 1n];
      for (const value of wrong) {
        expectFailsCleanly(os, () => os.fill(start, 16, value as number), "EINVAL");
      }
      expectBytes(os, start, pattern(16, 18));
    },
  },
  {
    name: "R4: zero-length accesses anywhere in the address space succeed and change nothing",
    run(os) {
      mapPattern(os, 2, 19);
      const before = snapshotMemory(os);
      const p = os.pageSize;
      for (const address of [os.addressSpaceEnd - p, os.addressSpaceEnd - 1]) {
        os.write(address, new Uint8Array(0));
        os.fill(address, 0, 7);
        expect(os.read(address, 0).length).toBe(0);
      }
      expectUnchanged(os, before);
    },
  },
];

/** The reproductions of issue 15, as conformance cases every backend runs. */
export const argumentReproductionsGroup: ConformanceGroup = {
  title: "argument holes found by an independent model",
  cases,
};
