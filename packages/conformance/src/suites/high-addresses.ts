import { MmapProtection, MmapStrategy, type OperatingSystem } from "@osal/core";
import { expect } from "vitest";
import type { CaseContext, ConformanceGroup } from "../conformance-case.js";
import { expectBytes, expectUnmapped, expectZero } from "../expectations.js";
import { canPlace, pattern, placeAt } from "../fixtures.js";

/** The end of a 32-bit address space: every case here works past it. */
export const FOUR_GIB = 2 ** 32;

/**
 * Where the cases place their mappings on a backend that maps at fixed
 * addresses: 4 GiB + 64 MiB, aligned to every page and megablock size.
 */
const HIGH_START = FOUR_GIB + 64 * 2 ** 20;

/**
 * `pages` read-write pages mapped wholly above 4 GiB: placed at a fixed
 * address where the backend can, else put there by reserving the first 4 GiB
 * (`NoAccess`, no reserve: nothing touched) and mapping anywhere, then
 * dropping the reservation. An allocator may leave holes below the
 * reservation (its alignment gap): mappings that land there are held until
 * one lands above 4 GiB. Skips the case when the backend cannot reach it.
 */
function mapHigh(os: OperatingSystem, pages: number, context: CaseContext): number {
  const size = pages * os.pageSize;
  if (os.getSystemTotalMemory() < HIGH_START + 2 * size) {
    return context.skip("the address space ends below 4 GiB + 64 MiB");
  }
  if (canPlace(os)) {
    placeAt(os, HIGH_START, pages);
    return HIGH_START;
  }
  const hold = MmapStrategy.QUARANTINE.withProt(MmapProtection.NoAccess);
  const filler = os.dzmmapAnywhere(FOUR_GIB, os.pageSize, hold);
  const holes: number[] = [];
  let start = os.dzmmapAnywhere(size, os.pageSize, MmapStrategy.DEFAULT);
  while (start < FOUR_GIB && holes.length < 1024) {
    holes.push(start);
    start = os.dzmmapAnywhere(size, os.pageSize, MmapStrategy.DEFAULT);
  }
  for (const hole of holes) os.munmap(hole, size);
  os.munmap(filler, FOUR_GIB);
  expect(start).toBeGreaterThanOrEqual(FOUR_GIB);
  return start;
}

/** `mapHigh` filled with a pattern; returns the start and the bytes written. */
function patternHigh(
  os: OperatingSystem,
  pages: number,
  seed: number,
  context: CaseContext,
): { start: number; bytes: Uint8Array } {
  const start = mapHigh(os, pages, context);
  const bytes = pattern(pages * os.pageSize, seed);
  os.write(start, bytes);
  return { start, bytes };
}

/**
 * Addresses past 4 GiB (memory64 backends, registered by `runConformance`'s
 * `highAddresses` option): map, write, read back, unmap in part, remap in place
 * and moving, and a mapping across the 4 GiB line. Addresses are exact JS
 * numbers; only the few pages the cases write are touched.
 */
export const highAddressesGroup: ConformanceGroup = {
  title: "addresses above 4 GiB",
  cases: [
    {
      name: "a mapping above 4 GiB reads back its bytes, is listed there and unmaps",
      run(os, context) {
        const p = os.pageSize;
        const { start, bytes } = patternHigh(os, 3, 91, context);
        expect(Number.isSafeInteger(start) && start >= FOUR_GIB).toBe(true);
        expectBytes(os, start, bytes);
        expect(os.getMappings().some((m) => m.start <= start && start + 3 * p <= m.end)).toBe(true);
        os.panicIfUnmapped(start, 3 * p);
        os.munmap(start, 3 * p);
        expectUnmapped(os, start, 3 * p);
      },
    },
    {
      name: "partial munmap above 4 GiB keeps both ends and their bytes",
      requires: { partialUnmap: true },
      run(os, context) {
        const p = os.pageSize;
        const { start, bytes } = patternHigh(os, 3, 92, context);
        os.munmap(start + p, p);
        expectUnmapped(os, start + p, p);
        expectBytes(os, start, bytes.subarray(0, p));
        expectBytes(os, start + 2 * p, bytes.subarray(2 * p));
      },
    },
    {
      name: "mremap grows in place above 4 GiB: same address, bytes kept, new pages zero",
      requires: { partialUnmap: true, remapInPlace: true },
      run(os, context) {
        const p = os.pageSize;
        const { start, bytes } = patternHigh(os, 5, 93, context);
        os.munmap(start + 3 * p, 2 * p);
        const grown = os.mremap(start, 3 * p, 5 * p, { mayMove: false });
        expect(grown).toBe(start);
        expectBytes(os, start, bytes.subarray(0, 3 * p));
        expectZero(os, start + 3 * p, 2 * p);
        expect(os.mremap(start, 5 * p, 2 * p, { mayMove: false })).toBe(start);
        expectBytes(os, start, bytes.subarray(0, 2 * p));
        expectUnmapped(os, start + 2 * p, 3 * p);
      },
    },
    {
      name: "a moving mremap of a mapping above 4 GiB keeps its bytes at the new address",
      run(os, context) {
        const p = os.pageSize;
        const { start, bytes } = patternHigh(os, 2, 94, context);
        // Something right after it (where the backend can place), so it must move.
        if (canPlace(os)) placeAt(os, start + 2 * p, 1);
        const moved = os.mremap(start, 2 * p, 6 * p, { mayMove: true });
        expect(Number.isSafeInteger(moved)).toBe(true);
        if (canPlace(os)) expect(moved).not.toBe(start);
        expectBytes(os, moved, bytes);
        expectZero(os, moved + 2 * p, 4 * p);
        if (moved !== start) expectUnmapped(os, start, 2 * p);
      },
    },
    {
      name: "a mapping across the 4 GiB line reads and writes across it",
      run(os, context) {
        const p = os.pageSize;
        if (!canPlace(os)) return context.skip("needs a fixed address (fixed or noReplace)");
        if (os.getSystemTotalMemory() < FOUR_GIB + 2 * p) {
          return context.skip("the address space ends at 4 GiB");
        }
        const start = FOUR_GIB - 2 * p;
        placeAt(os, start, 4);
        const bytes = pattern(4 * p, 95);
        os.write(start, bytes);
        expectBytes(os, start, bytes);
        expect(os.read(FOUR_GIB - 8, 16)).toEqual(bytes.subarray(2 * p - 8, 2 * p + 8));
        if (os.capabilities.partialUnmap) {
          os.munmap(FOUR_GIB, p);
          expectUnmapped(os, FOUR_GIB, p);
          expectBytes(os, start, bytes.subarray(0, 2 * p));
          expectBytes(os, FOUR_GIB + p, bytes.subarray(3 * p));
        }
      },
    },
  ],
};
