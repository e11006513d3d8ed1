import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FreeRunIndex } from "../src/free-run-index.js";

type IndexArrays = [Int32Array, Int32Array, Int32Array];

/** Zeroed arrays for an index over `pages` pages (as a fresh state holds them). */
function makeArrays(pages: number): { leaves: number; arrays: IndexArrays } {
  const leaves = FreeRunIndex.leavesFor(pages);
  const arrays = [0, 1, 2].map(() => new Int32Array(2 * leaves)) as IndexArrays;
  return { leaves, arrays };
}

/** A built index over `pages` free pages, with the arrays it lives in. */
function makeBuilt(pages: number): { index: FreeRunIndex; arrays: IndexArrays } {
  const { leaves, arrays } = makeArrays(pages);
  const index = new FreeRunIndex(leaves, ...arrays);
  index.build(pages);
  return { index, arrays };
}

function makeIndex(pages: number): FreeRunIndex {
  return makeBuilt(pages).index;
}

/** The longest run of `true` in `free`. */
function longestOf(free: readonly boolean[]): number {
  let longest = 0;
  let run = 0;
  for (const f of free) {
    run = f ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  return longest;
}

/** The lowest aligned fit by a linear scan: what the index must agree with. */
function scan(free: boolean[], count: number, align: number): number {
  for (let start = 0; start + count <= free.length; start += align) {
    let ok = true;
    for (let p = start; p < start + count && ok; p++) ok = free[p]!;
    if (ok) return start;
  }
  return -1;
}

describe("free-run index", () => {
  it("finds the same lowest aligned fit as a linear scan, between changes and after them", () => {
    // Queries between changes bring the pending range up to date; a change
    // touching the pending range widens it instead, one apart from it flushes it.
    const query = fc.record({
      count: fc.integer({ min: 1, max: 64 }),
      alignLog: fc.integer({ min: 0, max: 5 }),
    });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(
          fc.record({
            start: fc.nat(199),
            length: fc.integer({ min: 1, max: 40 }),
            free: fc.boolean(),
            queries: fc.array(query, { maxLength: 2 }),
          }),
          { maxLength: 60 },
        ),
        fc.array(query, { minLength: 1, maxLength: 10 }),
        (pages, steps, last) => {
          const index = makeIndex(pages);
          const free = new Array<boolean>(pages).fill(true);
          const check = (queries: readonly { count: number; alignLog: number }[]) => {
            for (const { count, alignLog } of queries) {
              const align = 2 ** alignLog;
              expect(index.findLowest(count, align)).toBe(scan(free, count, align));
              expect(index.longestRun()).toBe(longestOf(free));
            }
          };
          for (const step of steps) {
            const start = Math.min(step.start, pages - 1);
            const end = Math.min(start + step.length, pages);
            index.set(start, end, step.free);
            free.fill(step.free, start, end);
            check(step.queries);
          }
          expect(index.longestRun()).toBe(longestOf(free));
          check(last);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("keeps changes not yet propagated in the arrays, so a second view over them sees them", () => {
    const pages = 64;
    const { leaves, arrays } = makeArrays(pages);
    const first = new FreeRunIndex(leaves, ...arrays);
    first.build(pages);
    first.set(0, 10, false);
    const second = new FreeRunIndex(leaves, ...arrays);
    expect(second.findLowest(1, 1)).toBe(10);
    second.set(10, 12, false);
    first.set(11, 13, true);
    expect(first.findLowest(3, 1)).toBe(11);
    expect(second.longestRun()).toBe(pages - 11);
  });

  it("puts a map+unmap of the same pages back as it was", () => {
    const index = makeIndex(1000);
    index.set(0, 900, false);
    for (let page = 15; page < 900; page += 16) index.set(page, page + 1, true);
    const before = index.findLowest(2, 1);
    index.set(before, before + 2, false);
    index.set(before, before + 2, true);
    expect(index.findLowest(2, 1)).toBe(before);
    expect(index.longestRun()).toBe(1000 - 900);
  });

  it("writes only the nodes over taken pages, so a fresh index over a large memory costs no memory", () => {
    // A host backs a zeroed buffer with memory only where it is written.
    const written = (arrays: readonly Int32Array[]) =>
      arrays.reduce((n, a) => n + a.reduce((k, word) => k + (word === 0 ? 0 : 1), 0), 0);
    // 4 GiB of 4 KiB pages: nothing to write, every page free.
    const full = makeBuilt(2 ** 20);
    expect(written(full.arrays)).toBe(0);
    expect(full.index.longestRun()).toBe(2 ** 20);
    // Ten pages taken write their leaves and their ancestors' path, no more.
    full.index.set(1000, 1010, false);
    expect(full.index.findLowest(11, 1)).toBe(0);
    expect(full.index.findLowest(1001, 1)).toBe(1010);
    expect(written(full.arrays)).toBeLessThanOrEqual(3 * (10 + 2 * 20));
    // Pages past the end are taken: their leaves and ancestors are written, never found.
    const partial = makeBuilt(2 ** 12 + 100);
    expect(partial.index.longestRun()).toBe(2 ** 12 + 100);
    expect(partial.index.findLowest(2 ** 12 + 101, 1)).toBe(-1);
    expect(written(partial.arrays)).toBeLessThanOrEqual(
      3 * 2 * (2 ** 13 - 2 ** 12 - 100) + 3 * 2 * 13,
    );
  });
});
