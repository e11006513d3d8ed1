import { MmapStrategy } from "@osal/core";
import { expect } from "vitest";
import type { ConformanceGroup } from "../conformance-case.js";
import { mapPages } from "../fixtures.js";

/** Host memory: `reservesWithoutCommit` and `returnsMemoryToHost`, as `footprintBytes` shows them. */
export const footprintGroup: ConformanceGroup = {
  title: "host footprint",
  cases: [
    {
      name: "reservesWithoutCommit: quarantining 64 pages does not raise footprintBytes",
      requires: { reservesWithoutCommit: true },
      run(os) {
        mapPages(os, 1);
        const before = os.stats().footprintBytes;
        mapPages(os, 64, MmapStrategy.QUARANTINE);
        expect(os.stats().footprintBytes).toBe(before);
      },
    },
    {
      name: "returnsMemoryToHost: unmapping touched memory lowers footprintBytes",
      requires: { returnsMemoryToHost: true },
      run(os) {
        const p = os.pageSize;
        const start = mapPages(os, 8);
        os.fill(start, 8 * p, 1);
        const before = os.stats().footprintBytes;
        os.munmap(start, 8 * p);
        expect(os.stats().footprintBytes).toBeLessThan(before);
      },
    },
    {
      name: "without returnsMemoryToHost: unmapping touched memory does not lower footprintBytes",
      requires: { returnsMemoryToHost: false },
      run(os) {
        const p = os.pageSize;
        const start = mapPages(os, 8);
        os.fill(start, 8 * p, 1);
        const before = os.stats().footprintBytes;
        os.munmap(start, 8 * p);
        expect(os.stats().footprintBytes).toBeGreaterThanOrEqual(before);
      },
    },
  ],
};
