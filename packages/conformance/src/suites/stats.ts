import {
  type MemoryStats,
  MmapProtection,
  MmapStrategy,
  memoryCalls,
  type OSMemory,
} from "@osal/core";
import { expect } from "vitest";
import type { ConformanceGroup } from "../conformance-case.js";
import { thrownBy } from "../expectations.js";
import { freeRange, mapPages, mapPattern } from "../fixtures.js";

/** Asserts the invariants every stats snapshot keeps, and that `zeroedBytes` did not go down since `previous`. */
function expectConsistent(stats: MemoryStats, previous: MemoryStats | undefined): void {
  expect(stats.peakMappedBytes).toBeGreaterThanOrEqual(stats.mappedBytes);
  expect(stats.peakFootprintBytes).toBeGreaterThanOrEqual(stats.footprintBytes);
  for (const call of memoryCalls)
    expect(stats.failedCalls[call]).toBeLessThanOrEqual(stats.calls[call]);
  if (previous) {
    expect(stats.zeroedBytes).toBeGreaterThanOrEqual(previous.zeroedBytes);
    expect(stats.peakMappedBytes).toBeGreaterThanOrEqual(previous.peakMappedBytes);
    expect(stats.peakFootprintBytes).toBeGreaterThanOrEqual(previous.peakFootprintBytes);
  }
}

function callDelta(os: OSMemory, before: MemoryStats) {
  const after = os.stats();
  const calls: Record<string, number> = {};
  const failed: Record<string, number> = {};
  for (const call of memoryCalls) {
    calls[call] = after.calls[call] - before.calls[call];
    failed[call] = after.failedCalls[call] - before.failedCalls[call];
  }
  return { calls, failed };
}

/** `stats()`: exact mapped bytes, call counting, monotone counters. */
export const statsGroup: ConformanceGroup = {
  title: "stats",
  cases: [
    {
      name: "mappedBytes rises and falls by exactly the sizes mapped, unmapped and remapped",
      run(os) {
        const p = os.pageSize;
        const base = os.stats().mappedBytes;
        const a = mapPages(os, 3);
        expect(os.stats().mappedBytes).toBe(base + 3 * p);
        const b = mapPages(os, 2, MmapStrategy.QUARANTINE);
        expect(os.stats().mappedBytes).toBe(base + 5 * p);
        const moved = os.mremap(a, 3 * p, 5 * p, { mayMove: true });
        expect(os.stats().mappedBytes).toBe(base + 7 * p);
        os.munmap(b, 2 * p);
        expect(os.stats().mappedBytes).toBe(base + 5 * p);
        os.munmap(moved, 5 * p);
        expect(os.stats().mappedBytes).toBe(base);
        expect(os.stats().peakMappedBytes).toBeGreaterThanOrEqual(base + 7 * p);
      },
    },
    {
      name: "calls are counted by kind, the three dzmmap calls as mmap",
      run(os) {
        const p = os.pageSize;
        const before = os.stats();
        const a = os.dzmmapAnywhere(2 * p, p, MmapStrategy.DEFAULT);
        const b = os.dzmmapPreferred(a, p, p, MmapStrategy.DEFAULT);
        if (os.capabilities.fixed) os.dzmmap(b, p, MmapStrategy.TEST);
        const moved = os.mremap(a, 2 * p, 3 * p, { mayMove: true });
        os.setMemoryAccess(moved, p, MmapProtection.NoAccess);
        os.madvise(b, p, "willneed");
        os.munmap(b, p);
        const { calls, failed } = callDelta(os, before);
        expect(calls).toEqual({
          mmap: os.capabilities.fixed ? 3 : 2,
          munmap: 1,
          mremap: 1,
          mprotect: 1,
          madvise: 1,
        });
        expect(failed).toEqual({ mmap: 0, munmap: 0, mremap: 0, mprotect: 0, madvise: 0 });
      },
    },
    {
      name: "failed calls are counted by kind",
      run(os) {
        const p = os.pageSize;
        const hole = freeRange(os, 1);
        const before = os.stats();
        thrownBy(() => os.setMemoryAccess(hole, p, MmapProtection.NoAccess));
        thrownBy(() => os.madvise(hole, p, "dontneed"));
        thrownBy(() => os.mremap(hole, p, 2 * p, { mayMove: true }));
        const { calls, failed } = callDelta(os, before);
        expect(failed).toEqual({ mmap: 0, munmap: 0, mremap: 1, mprotect: 1, madvise: 1 });
        expect(calls).toEqual({ mmap: 0, munmap: 0, mremap: 1, mprotect: 1, madvise: 1 });
      },
    },
    {
      name: "zeroedBytes never decreases and peaks are never below current levels",
      run(os) {
        const p = os.pageSize;
        let previous = os.stats();
        expectConsistent(previous, undefined);
        const step = (action: () => void) => {
          action();
          const now = os.stats();
          expectConsistent(now, previous);
          previous = now;
        };
        const a = mapPattern(os, 3, 81).start;
        step(() => {});
        step(() => os.madvise(a, p, "dontneed"));
        step(() => os.munmap(a, 3 * p));
        let b = 0;
        step(() => {
          b = mapPages(os, 4);
        });
        step(() => os.fill(b, 4 * p, 1));
        step(() => {
          b = os.mremap(b, 4 * p, 6 * p, { mayMove: true });
        });
        step(() => os.munmap(b, 6 * p));
      },
    },
  ],
};
