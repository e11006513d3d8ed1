import {
  HugePageSupport,
  MmapAnnotation,
  MmapProtection,
  MmapStrategy,
  type OSMemory,
  rangesOverlap,
} from "@osal/core";
import { expect } from "vitest";
import type { ConformanceCase, ConformanceGroup } from "../conformance-case.js";
import { expectBytes, expectUnmapped, expectZero } from "../expectations.js";
import { canPlace, mapPages, mapPattern, pattern } from "../fixtures.js";
import { listedAt } from "../listing.js";

function expectAligned(os: OSMemory, start: number, size: number, align: number): void {
  expect(Number.isSafeInteger(start)).toBe(true);
  expect(start % align).toBe(0);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(start + size).toBeLessThanOrEqual(os.addressSpaceEnd);
}

const alignmentCases: ConformanceCase[] = [2, 4, 8, 16].map((pages) => ({
  name: `dzmmapAnywhere honours an alignment of ${pages} pages`,
  run(os) {
    const p = os.pageSize;
    mapPages(os, 1); // so the next free address is unlikely to be aligned by chance
    const start = os.dzmmapAnywhere(p, pages * p, MmapStrategy.DEFAULT);
    expectAligned(os, start, p, pages * p);
    expectZero(os, start, p);
  },
}));

const protectionCases: ConformanceCase[] = [
  ["ReadWriteExec", MmapStrategy.DEFAULT.withProt(MmapProtection.ReadWriteExec)],
  ["MAP_NORESERVE", MmapStrategy.DEFAULT.withReserve(false)],
  [
    "transparent huge page",
    MmapStrategy.DEFAULT.withHugePage(HugePageSupport.TransparentHugePages),
  ],
].map(([label, strategy]) => ({
  name: `${label as string} memory reads as zero and keeps what is written`,
  run(os) {
    const size = 2 * os.pageSize;
    const start = os.dzmmapAnywhere(size, os.pageSize, strategy as MmapStrategy);
    expectZero(os, start, size);
    const bytes = pattern(size, 7);
    os.write(start, bytes);
    expectBytes(os, start, bytes);
    expect(listedAt(os, start)?.prot).toBe((strategy as MmapStrategy).prot);
    expect(listedAt(os, start)?.reserve).toBe((strategy as MmapStrategy).reserve);
  },
}));

/** Mapping anywhere and with a hint: placement, alignment, zeroing, isolation from neighbours. */
export const mappingGroup: ConformanceGroup = {
  title: "mapping",
  cases: [
    {
      name: "dzmmapAnywhere returns a page-aligned range inside the address space that reads as zero",
      run(os) {
        const size = 3 * os.pageSize;
        const start = os.dzmmapAnywhere(size, os.pageSize, MmapStrategy.DEFAULT);
        expectAligned(os, start, size, os.pageSize);
        expectZero(os, start, size);
      },
    },
    {
      name: "a new mapping is listed with its protection, reserve flag and annotation",
      run(os) {
        const annotation = MmapAnnotation.space("conformance");
        const start = mapPages(os, 2, MmapStrategy.DEFAULT.withReserve(false), annotation);
        const mapping = os.getMappings().find((m) => m.start <= start && start < m.end);
        expect(mapping).toBeDefined();
        expect(mapping!.end).toBeGreaterThanOrEqual(start + 2 * os.pageSize);
        expect(listedAt(os, start)).toEqual({
          prot: MmapProtection.ReadWrite,
          reserve: false,
          annotation: "space:conformance",
        });
      },
    },
    ...alignmentCases,
    {
      name: "an alignment below the page size (1) means page alignment",
      run(os) {
        const start = os.dzmmapAnywhere(os.pageSize, 1, MmapStrategy.DEFAULT);
        expectAligned(os, start, os.pageSize, os.pageSize);
      },
    },
    ...protectionCases,
    {
      name: "dzmmapAnywhere ignores strategy.replace (the TEST strategy maps a fresh range)",
      run(os) {
        const first = mapPattern(os, 2, 1);
        const start = os.dzmmapAnywhere(2 * os.pageSize, os.pageSize, MmapStrategy.TEST);
        expect(
          rangesOverlap(start, start + 2 * os.pageSize, first.start, first.start + 2 * os.pageSize),
        ).toBe(false);
        expectZero(os, start, 2 * os.pageSize);
        expectBytes(os, first.start, first.bytes);
      },
    },
    {
      name: "mappings never overlap one another",
      run(os) {
        const p = os.pageSize;
        const ranges = [1, 3, 2, 4].map((pages) => {
          const start = mapPages(os, pages);
          return [start, start + pages * p] as const;
        });
        for (const [i, a] of ranges.entries()) {
          for (const b of ranges.slice(i + 1))
            expect(rangesOverlap(a[0], a[1], b[0], b[1])).toBe(false);
        }
      },
    },
    {
      name: "bytes written survive mapping a neighbour",
      run(os) {
        const a = mapPattern(os, 2, 11);
        const b = mapPages(os, 2);
        os.fill(b, 2 * os.pageSize, 0xee);
        expectBytes(os, a.start, a.bytes);
      },
    },
    {
      name: "bytes written survive unmapping a neighbour",
      run(os) {
        const a = mapPattern(os, 2, 12);
        const b = mapPattern(os, 2, 13);
        const c = mapPattern(os, 2, 14);
        os.munmap(b.start, 2 * os.pageSize);
        expectBytes(os, a.start, a.bytes);
        expectBytes(os, c.start, c.bytes);
      },
    },
    {
      name: "bytes written survive moving a neighbour with mremap",
      run(os) {
        const p = os.pageSize;
        const a = mapPattern(os, 2, 15);
        const b = mapPattern(os, 2, 16);
        const moved = os.mremap(b.start, 2 * p, 4 * p, { mayMove: true });
        expectBytes(os, a.start, a.bytes);
        expectBytes(os, moved, b.bytes);
      },
    },
    {
      name: "dzmmapPreferred uses a free hint when the backend can place mappings",
      run(os, context) {
        if (!canPlace(os)) return context.skip("needs fixed or noReplace to honour a hint");
        const p = os.pageSize;
        const hint = mapPages(os, 2);
        os.munmap(hint, 2 * p);
        const start = os.dzmmapPreferred(hint, 2 * p, p, MmapStrategy.DEFAULT);
        expect(start).toBe(hint);
        expectZero(os, start, 2 * p);
      },
    },
    {
      name: "dzmmapPreferred falls back to another aligned range when the hint is taken",
      run(os) {
        const p = os.pageSize;
        const taken = mapPattern(os, 2, 17);
        const start = os.dzmmapPreferred(taken.start, 2 * p, 4 * p, MmapStrategy.DEFAULT);
        expectAligned(os, start, 2 * p, 4 * p);
        expect(rangesOverlap(start, start + 2 * p, taken.start, taken.start + 2 * p)).toBe(false);
        expectZero(os, start, 2 * p);
        expectBytes(os, taken.start, taken.bytes);
      },
    },
    {
      name: "a mapping made and unmapped leaves nothing behind",
      run(os) {
        const before = os.getMappings().length;
        const start = mapPages(os, 3);
        os.munmap(start, 3 * os.pageSize);
        expectUnmapped(os, start, 3 * os.pageSize);
        expect(os.getMappings().length).toBe(before);
      },
    },
  ],
};
