import { MmapAnnotation, MmapStrategy } from "@osal/core";
import { expect } from "vitest";
import type { ConformanceGroup } from "../conformance-case.js";
import { expectBytes, expectFailsCleanly, expectZero } from "../expectations.js";
import {
  canPlace,
  freeRange,
  mapPages,
  mapPattern,
  mapWithHoleAfter,
  pattern,
} from "../fixtures.js";
import { listedAt } from "../listing.js";

const TWO_MIB = 2 * 1024 * 1024;

/**
 * The rest of Linux's mmap ABI the TypeScript API carries: `MAP_UNINITIALIZED`,
 * hint addresses, never handing out address 0, and naming ranges
 * (`PR_SET_VMA_ANON_NAME`).
 */
export const linuxMmapGroup: ConformanceGroup = {
  title: "mmap as Linux 6.17",
  cases: [
    {
      name: "address 0 (NULL) is never handed out, even on an empty backend",
      run(os) {
        const p = os.pageSize;
        const starts: number[] = [];
        for (const pages of [1, 2, 1, 3]) starts.push(mapPages(os, pages));
        for (const [i, start] of starts.entries()) os.munmap(start, [1, 2, 1, 3][i]! * p);
        starts.push(mapPages(os, 1), mapPages(os, 4));
        starts.push(os.dzmmapPreferred(starts[0]!, p, p, MmapStrategy.DEFAULT));
        expect(starts.filter((start) => start === 0)).toEqual([]);
      },
    },
    {
      name: "a free, page-aligned hint is used for a mapping of 2 MiB or more whatever its alignment",
      run(os, context) {
        if (!canPlace(os)) return context.skip("needs fixed or noReplace to honour a hint");
        const p = os.pageSize;
        const pages = Math.ceil(TWO_MIB / p) + 2;
        const room = freeRange(os, pages);
        // A page-aligned hint inside the free room that is not 2 MiB aligned.
        const hint = (room + p) % TWO_MIB === 0 ? room + 2 * p : room + p;
        const size = (pages - 2) * p;
        const got = os.dzmmapPreferred(hint, size, p, MmapStrategy.DEFAULT);
        expect(got).toBe(hint);
      },
    },
    {
      name: "uninitialized: dirty pages handed out again are not zeroed and are counted",
      requires: { uninitialized: true },
      run(os, context) {
        const p = os.pageSize;
        const m = mapPattern(os, 2, 81);
        os.munmap(m.start, 2 * p);
        const before = os.stats();
        const again = mapPages(os, 2, MmapStrategy.DEFAULT.withUninitialized(true));
        if (again !== m.start) return context.skip("the backend did not reuse the dirty pages");
        const after = os.stats();
        expect(after.uninitializedBytes - before.uninitializedBytes).toBe(2 * p);
        expect(after.zeroedBytes).toBe(before.zeroedBytes);
        expectBytes(os, again, m.bytes);
        // Without the flag, the same pages come back zeroed.
        os.munmap(again, 2 * p);
        const zeroed = mapPages(os, 2);
        expectZero(os, zeroed, 2 * p);
        expect(os.stats().uninitializedBytes).toBe(after.uninitializedBytes);
      },
    },
    {
      name: "without uninitialized: the flag is ignored, memory reads zero and nothing is counted",
      requires: { uninitialized: false },
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 2, 82);
        os.munmap(m.start, 2 * p);
        const again = mapPages(os, 2, MmapStrategy.DEFAULT.withUninitialized(true));
        expectZero(os, again, 2 * p);
        expect(os.stats().uninitializedBytes).toBe(0);
      },
    },
    {
      name: "setAnnotation: renaming part of a mapping splits it in getMappings, clearing and renaming back merges it",
      requires: { setAnnotation: true },
      run(os) {
        const p = os.pageSize;
        const start = mapPages(os, 4, MmapStrategy.DEFAULT, MmapAnnotation.space("whole"));
        const bytes = pattern(4 * p, 83);
        os.write(start, bytes);
        os.setAnnotation(start + p, 2 * p, MmapAnnotation.space("middle"));
        expect(listedAt(os, start)?.annotation).toBe("space:whole");
        expect(listedAt(os, start + p)?.annotation).toBe("space:middle");
        expect(listedAt(os, start + 3 * p)?.annotation).toBe("space:whole");
        const middle = os.getMappings().find((m) => m.start === start + p);
        expect(middle?.end).toBe(start + 3 * p);
        os.setAnnotation(start + p, p, undefined);
        expect(listedAt(os, start + p)?.annotation).toBeUndefined();
        os.setAnnotation(start, 4 * p, MmapAnnotation.space("whole"));
        const whole = os.getMappings().find((m) => m.start <= start && start < m.end);
        expect([whole?.start, whole?.end]).toEqual([start, start + 4 * p]);
        expectBytes(os, start, bytes);
      },
    },
    {
      name: "setAnnotation over an unmapped page fails with ENOMEM and renames nothing",
      requires: { setAnnotation: true },
      run(os, context) {
        const p = os.pageSize;
        const start = mapWithHoleAfter(os, 2, 1);
        if (start === undefined) return context.skip("needs partialUnmap or fixed to make a hole");
        expectFailsCleanly(
          os,
          () => os.setAnnotation(start, 3 * p, MmapAnnotation.space("x")),
          "ENOMEM",
        );
      },
    },
    {
      name: "without setAnnotation: it fails with ENOTSUP and renames nothing",
      requires: { setAnnotation: false },
      run(os) {
        const p = os.pageSize;
        const start = mapPages(os, 2);
        expectFailsCleanly(
          os,
          () => os.setAnnotation(start, 2 * p, MmapAnnotation.space("x")),
          "ENOTSUP",
        );
      },
    },
  ],
};
