import { MmapProtection } from "@osal/core";
import { expect } from "vitest";
import type { ConformanceGroup } from "../conformance-case.js";
import { expectBytes, expectFault, expectZero } from "../expectations.js";
import { freeRange, mapPages, mapPattern, mapWithHoleAfter, pattern } from "../fixtures.js";

/** The access API (`read`, `write`, `fill`): round trips, copies, and faults that touch nothing. */
export const accessGroup: ConformanceGroup = {
  title: "memory access",
  cases: [
    {
      name: "bytes written across a page boundary read back the same",
      run(os) {
        const p = os.pageSize;
        const start = mapPages(os, 2);
        const bytes = pattern(100, 71);
        os.write(start + p - 50, bytes);
        expectBytes(os, start + p - 50, bytes);
        expectZero(os, start, p - 50);
        expectZero(os, start + p + 50, p - 50);
      },
    },
    {
      name: "fill sets exactly the requested bytes",
      run(os) {
        const p = os.pageSize;
        const start = mapPages(os, 2);
        os.fill(start + 3, p, 0xab);
        expect(Array.from(os.read(start, 4))).toEqual([0, 0, 0, 0xab]);
        expect(Array.from(os.read(start + p + 2, 2))).toEqual([0xab, 0]);
      },
    },
    {
      name: "read returns a copy: changing it does not change memory",
      run(os) {
        const m = mapPattern(os, 1, 72);
        const copy = os.read(m.start, 16);
        copy.fill(0);
        expectBytes(os, m.start, m.bytes.subarray(0, 16));
      },
    },
    {
      name: "zero-length reads and writes of mapped memory succeed",
      run(os) {
        const start = mapPages(os, 1);
        expect(os.read(start, 0).length).toBe(0);
        os.write(start, new Uint8Array(0));
        os.fill(start, 0, 1);
        expectZero(os, start, 8);
      },
    },
    {
      name: "read, write and fill of unmapped memory throw MemoryFault (EFAULT)",
      run(os) {
        const start = freeRange(os, 1);
        expectFault(() => os.read(start, 4), "unmapped", start);
        expectFault(() => os.write(start + 8, new Uint8Array([1])), "unmapped", start + 8);
        expectFault(() => os.fill(start, 4, 1), "unmapped", start);
      },
    },
    {
      name: "a write running off the end of a mapping faults and writes nothing",
      run(os, context) {
        const p = os.pageSize;
        const start = mapWithHoleAfter(os, 1, 1);
        if (start === undefined)
          return context.skip("needs partialUnmap, fixed or noReplace to make a hole");
        expectFault(() => os.write(start + p - 4, pattern(8, 73)), "unmapped", start + p);
        expectFault(() => os.fill(start + p - 4, 8, 1), "unmapped", start + p);
        expectZero(os, start + p - 4, 4);
      },
    },
    {
      name: "a write running into a NoAccess page faults and writes nothing",
      run(os) {
        const p = os.pageSize;
        const start = mapPages(os, 2);
        os.setMemoryAccess(start + p, p, MmapProtection.NoAccess);
        expectFault(() => os.write(start + p - 4, pattern(8, 74)), "protection", start + p);
        expectFault(() => os.fill(start + p - 4, 8, 1), "protection", start + p);
        expectFault(() => os.read(start + p - 4, 8), "protection", start + p);
        expectZero(os, start + p - 4, 4);
      },
    },
  ],
};
