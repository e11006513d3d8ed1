import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type AddressRange, findTopDown } from "../src/index.js";

const P = 4096;

/** Every aligned start in `[low, high)`, highest first, checked one by one. */
function bruteForce(
  taken: readonly AddressRange[],
  size: number,
  align: number,
  low: number,
  high: number,
): number | undefined {
  const first = Math.floor((high - size) / align) * align;
  for (let at = first; at >= low; at -= align) {
    if (taken.every((r) => r.end <= at || r.start >= at + size)) return at;
  }
  return undefined;
}

describe("findTopDown", () => {
  it("takes the highest aligned gap below high, above low", () => {
    const taken = [
      { start: 10 * P, end: 12 * P },
      { start: 14 * P, end: 20 * P },
    ];
    expect(findTopDown(taken, 2 * P, P, 0, 20 * P)).toBe(12 * P);
    expect(findTopDown(taken, 3 * P, P, 0, 20 * P)).toBe(7 * P);
    expect(findTopDown(taken, 3 * P, 4 * P, 0, 20 * P)).toBe(4 * P);
    expect(findTopDown(taken, 11 * P, P, 0, 20 * P)).toBeUndefined();
    expect(findTopDown(taken, 2 * P, P, 11 * P, 20 * P)).toBe(12 * P);
    expect(findTopDown([], 2 * P, P, 0, 20 * P)).toBe(18 * P);
  });

  it("agrees with a brute-force search on any sorted, disjoint ranges", () => {
    const layout = fc
      .uniqueArray(fc.nat(63), { maxLength: 20 })
      .map((cells) => cells.sort((a, b) => a - b));
    fc.assert(
      fc.property(
        layout,
        fc.integer({ min: 1, max: 8 }),
        fc.constantFrom(1, 2, 4),
        fc.nat(16),
        fc.integer({ min: 32, max: 64 }),
        (cells, pages, alignPages, lowPage, highPage) => {
          // Each taken cell is one page; neighbours merge into longer ranges for free.
          const taken = cells.map((c) => ({ start: c * P, end: (c + 1) * P }));
          const args = [pages * P, alignPages * P, lowPage * P, highPage * P] as const;
          expect(findTopDown(taken, ...args)).toBe(bruteForce(taken, ...args));
        },
      ),
      { numRuns: 3000 },
    );
  });
});
