import { MmapProtection } from "@osal/core";
import { expect } from "vitest";
import type { ConformanceGroup } from "../conformance-case.js";
import {
  expectBytes,
  expectFailsCleanly,
  expectMmapError,
  expectUnmapped,
} from "../expectations.js";
import { freeRange, mapPattern } from "../fixtures.js";
import { listedAt } from "../listing.js";

/** `munmap`: whole, partial (head, tail, middle), across mappings, and of nothing. */
export const unmapGroup: ConformanceGroup = {
  title: "munmap",
  cases: [
    {
      name: "munmap of a whole mapping: no longer listed, access faults, panicIfUnmapped throws",
      run(os) {
        const p = os.pageSize;
        const { start } = mapPattern(os, 3, 31);
        os.munmap(start, 3 * p);
        expectUnmapped(os, start, 3 * p);
        expectMmapError(() => os.panicIfUnmapped(start, 3 * p), "EFAULT");
      },
    },
    {
      name: "unmapping pages that are not mapped is not an error",
      run(os) {
        const p = os.pageSize;
        const kept = mapPattern(os, 1, 32);
        const start = freeRange(os, 2);
        os.munmap(start, 2 * p);
        os.munmap(start, 2 * p);
        expectUnmapped(os, start, 2 * p);
        expectBytes(os, kept.start, kept.bytes);
      },
    },
    {
      name: "munmap over two whole mappings and the gap between them unmaps both",
      run(os, context) {
        const p = os.pageSize;
        const a = mapPattern(os, 2, 33);
        const b = mapPattern(os, 2, 34);
        const low = Math.min(a.start, b.start);
        const high = Math.max(a.start, b.start) + 2 * p;
        const between = os.getMappings().filter((m) => m.start < high && low < m.end);
        if (between.some((m) => m.start < low || m.end > high)) {
          return context.skip("another mapping shares the span");
        }
        os.munmap(low, high - low);
        expectUnmapped(os, low, high - low);
      },
    },
    {
      name: "partial munmap of the head keeps the tail and its bytes",
      requires: { partialUnmap: true },
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 3, 35);
        os.munmap(m.start, p);
        expectUnmapped(os, m.start, p);
        expectBytes(os, m.start + p, m.bytes.subarray(p));
      },
    },
    {
      name: "partial munmap of the tail keeps the head and its bytes",
      requires: { partialUnmap: true },
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 3, 36);
        os.munmap(m.start + 2 * p, p);
        expectUnmapped(os, m.start + 2 * p, p);
        expectBytes(os, m.start, m.bytes.subarray(0, 2 * p));
      },
    },
    {
      name: "partial munmap of the middle keeps both ends and their bytes",
      requires: { partialUnmap: true },
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 4, 37);
        os.munmap(m.start + p, 2 * p);
        expectUnmapped(os, m.start + p, 2 * p);
        expectBytes(os, m.start, m.bytes.subarray(0, p));
        expectBytes(os, m.start + 3 * p, m.bytes.subarray(3 * p));
        expect(listedAt(os, m.start)?.prot).toBe(MmapProtection.ReadWrite);
        expect(listedAt(os, m.start + 3 * p)?.prot).toBe(MmapProtection.ReadWrite);
      },
    },
    {
      name: "partial munmap across two mappings with different protection trims both",
      requires: { partialUnmap: true },
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 4, 38);
        os.setMemoryAccess(m.start + 2 * p, 2 * p, MmapProtection.ReadWriteExec);
        os.munmap(m.start + p, 2 * p);
        expectUnmapped(os, m.start + p, 2 * p);
        expectBytes(os, m.start, m.bytes.subarray(0, p));
        expectBytes(os, m.start + 3 * p, m.bytes.subarray(3 * p));
        expect(listedAt(os, m.start + 3 * p)?.prot).toBe(MmapProtection.ReadWriteExec);
      },
    },
    {
      name: "without partialUnmap: unmapping the head of a mapping fails with ENOTSUP and changes nothing",
      requires: { partialUnmap: false },
      run(os) {
        const m = mapPattern(os, 3, 39);
        expectFailsCleanly(os, () => os.munmap(m.start, os.pageSize), "ENOTSUP");
      },
    },
    {
      name: "without partialUnmap: unmapping the middle of a mapping fails with ENOTSUP and changes nothing",
      requires: { partialUnmap: false },
      run(os) {
        const m = mapPattern(os, 3, 40);
        expectFailsCleanly(os, () => os.munmap(m.start + os.pageSize, os.pageSize), "ENOTSUP");
      },
    },
  ],
};
