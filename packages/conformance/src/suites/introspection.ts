import {
  capabilityNames,
  formatAnnotation,
  isPowerOfTwo,
  MmapAnnotation,
  MmapError,
  MmapProtection,
  MmapStrategy,
  type OperatingSystem,
  parseProcMaps,
} from "@osal/core";
import { expect } from "vitest";
import type { ConformanceCase, ConformanceGroup } from "../conformance-case.js";
import { expectMmapError } from "../expectations.js";
import { freeRange, mapPages, mapWithHoleAfter } from "../fixtures.js";

/** The `/proc/self/maps` line of `os` whose range covers `[start, end)`. */
function mapsLineCovering(os: OperatingSystem, start: number, end: number) {
  return parseProcMaps(os.getProcessMemoryMaps()).find((l) => l.start <= start && end <= l.end);
}

const annotationCases: ConformanceCase[] = [
  MmapAnnotation.space("immix"),
  MmapAnnotation.sidemeta("immix", "mark-bits"),
  MmapAnnotation.test("heap.test.ts", 42),
  MmapAnnotation.misc("code-cache"),
].map((annotation) => ({
  name: `getProcessMemoryMaps shows a ${annotation.kind} annotation as [anon:${formatAnnotation(annotation)}]`,
  run(os) {
    const p = os.pageSize;
    const start = mapPages(os, 2, MmapStrategy.DEFAULT, annotation);
    expect(mapsLineCovering(os, start, start + 2 * p)?.name).toBe(
      `[anon:${formatAnnotation(annotation)}]`,
    );
  },
}));

const permsCases: ConformanceCase[] = [
  [MmapProtection.ReadWrite, "rw-"],
  [MmapProtection.ReadWriteExec, "rwx"],
  [MmapProtection.NoAccess, "---"],
].map(([prot, letters]) => ({
  name: `getProcessMemoryMaps shows ${prot as string} memory as ${letters as string}`,
  run(os) {
    const start = mapPages(os, 1, MmapStrategy.DEFAULT.withProt(prot as MmapProtection));
    expect(mapsLineCovering(os, start, start + os.pageSize)?.perms.slice(0, 3)).toBe(letters);
  },
}));

/** What a backend says about itself and its memory: listings, checks, facts. */
export const introspectionGroup: ConformanceGroup = {
  title: "introspection",
  cases: [
    {
      name: "pageSize is a power of two and addressSpaceEnd a positive multiple of it",
      run(os) {
        expect(isPowerOfTwo(os.pageSize)).toBe(true);
        expect(Number.isSafeInteger(os.addressSpaceEnd)).toBe(true);
        expect(os.addressSpaceEnd).toBeGreaterThan(0);
        expect(os.addressSpaceEnd % os.pageSize).toBe(0);
      },
    },
    {
      name: "capabilities declares every flag as a boolean",
      run(os) {
        for (const name of capabilityNames)
          expect(typeof os.capabilities[name], name).toBe("boolean");
      },
    },
    {
      name: "getMappings is sorted, non-overlapping and page-aligned",
      run(os) {
        const p = os.pageSize;
        const a = mapPages(os, 4);
        mapPages(os, 2, MmapStrategy.QUARANTINE);
        mapPages(os, 1, MmapStrategy.DEFAULT.withProt(MmapProtection.ReadWriteExec));
        os.setMemoryAccess(a + p, p, MmapProtection.NoAccess);
        if (os.capabilities.partialUnmap) os.munmap(a + 2 * p, p);
        const mappings = os.getMappings();
        expect(mappings.length).toBeGreaterThanOrEqual(3);
        let previousEnd = 0;
        for (const m of mappings) {
          expect(m.start % p).toBe(0);
          expect(m.end % p).toBe(0);
          expect(m.end).toBeGreaterThan(m.start);
          expect(m.start).toBeGreaterThanOrEqual(previousEnd);
          previousEnd = m.end;
        }
        expect(previousEnd).toBeLessThanOrEqual(os.addressSpaceEnd);
      },
    },
    ...annotationCases,
    ...permsCases,
    {
      name: "panicIfUnmapped accepts mapped ranges, NoAccess ones included",
      run(os) {
        const p = os.pageSize;
        const a = mapPages(os, 2);
        const b = mapPages(os, 2, MmapStrategy.QUARANTINE);
        os.panicIfUnmapped(a, 2 * p);
        os.panicIfUnmapped(a + p, p);
        os.panicIfUnmapped(b, 2 * p);
      },
    },
    {
      name: "panicIfUnmapped throws EFAULT on a hole",
      run(os) {
        const start = freeRange(os, 2);
        expectMmapError(() => os.panicIfUnmapped(start, 2 * os.pageSize), "EFAULT");
      },
    },
    {
      name: "panicIfUnmapped throws EFAULT on a range that is only partly mapped",
      run(os, context) {
        const start = mapWithHoleAfter(os, 1, 1);
        if (start === undefined)
          return context.skip("needs partialUnmap, fixed or noReplace to make a hole");
        expectMmapError(() => os.panicIfUnmapped(start, 2 * os.pageSize), "EFAULT");
      },
    },
    {
      name: "isMmapOom is true for an ENOMEM MmapError and false for anything else",
      run(os) {
        expect(os.isMmapOom(new MmapError({ code: "ENOMEM", syscall: "mmap" }))).toBe(true);
        expect(os.isMmapOom(new MmapError({ code: "EEXIST", syscall: "mmap" }))).toBe(false);
        expect(os.isMmapOom(new MmapError({ code: "EINVAL", syscall: "mmap" }))).toBe(false);
        expect(os.isMmapOom(new Error("ENOMEM"))).toBe(false);
        expect(os.isMmapOom(undefined)).toBe(false);
        expect(os.isMmapOom("ENOMEM")).toBe(false);
      },
    },
    {
      name: "isMmapOom recognises the backend's own out-of-memory error",
      run(os) {
        const tooBig = os.addressSpaceEnd + os.pageSize;
        let caught: unknown;
        try {
          os.dzmmapAnywhere(tooBig, os.pageSize, MmapStrategy.DEFAULT);
        } catch (error) {
          caught = error;
        }
        expect(os.isMmapOom(caught)).toBe(true);
      },
    },
    {
      name: "getSystemTotalMemory is a positive integer",
      run(os) {
        const total = os.getSystemTotalMemory();
        expect(Number.isSafeInteger(total)).toBe(true);
        expect(total).toBeGreaterThan(0);
      },
    },
  ],
};
