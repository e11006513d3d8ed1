import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FreeRunIndex } from "../src/free-run-index.js";

function makeIndex(pages: number): FreeRunIndex {
  const leaves = FreeRunIndex.leavesFor(pages);
  const arrays = () => new Int32Array(2 * leaves);
  const index = new FreeRunIndex(leaves, arrays(), arrays(), arrays());
  index.build(pages);
  return index;
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
  it("finds the same lowest aligned fit as a linear scan after any sequence of changes", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.array(
          fc.record({
            start: fc.nat(199),
            length: fc.integer({ min: 1, max: 40 }),
            free: fc.boolean(),
          }),
          { maxLength: 40 },
        ),
        fc.array(
          fc.record({
            count: fc.integer({ min: 1, max: 64 }),
            alignLog: fc.integer({ min: 0, max: 5 }),
          }),
          { minLength: 1, maxLength: 10 },
        ),
        (pages, changes, queries) => {
          const index = makeIndex(pages);
          const free = new Array<boolean>(pages).fill(true);
          for (const change of changes) {
            const start = Math.min(change.start, pages - 1);
            const end = Math.min(start + change.length, pages);
            index.set(start, end, change.free);
            free.fill(change.free, start, end);
          }
          let longest = 0;
          let run = 0;
          for (const f of free) {
            run = f ? run + 1 : 0;
            longest = Math.max(longest, run);
          }
          expect(index.longestRun()).toBe(longest);
          for (const { count, alignLog } of queries) {
            const align = 2 ** alignLog;
            expect(index.findLowest(count, align)).toBe(scan(free, count, align));
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
