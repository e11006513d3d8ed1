import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FreeRuns } from "../src/free-runs.js";

describe("FreeRuns", () => {
  it("coalesces a freed range with the runs before and after it", () => {
    const runs = new FreeRuns();
    runs.insert(1, 3);
    runs.insert(5, 8);
    expect(runs.runs()).toEqual([
      { start: 1, end: 3 },
      { start: 5, end: 8 },
    ]);
    runs.insert(3, 5);
    expect(runs.runs()).toEqual([{ start: 1, end: 8 }]);
    expect(runs.freeCount).toBe(7);
  });

  it("splits a run when the middle is taken", () => {
    const runs = new FreeRuns();
    runs.insert(0, 10);
    runs.remove(4, 6);
    expect(runs.runs()).toEqual([
      { start: 0, end: 4 },
      { start: 6, end: 10 },
    ]);
    expect(runs.freeCount).toBe(8);
    expect(() => runs.remove(3, 7)).toThrow(RangeError);
  });

  it("finds the lowest aligned fit inside one run (address-ordered first fit)", () => {
    const runs = new FreeRuns();
    runs.insert(1, 3); // 2 blocks
    runs.insert(5, 12); // 7 blocks
    runs.insert(20, 40);
    expect(runs.firstFit(2, 1)).toBe(1);
    expect(runs.firstFit(3, 1)).toBe(5);
    expect(runs.firstFit(2, 4)).toBe(8);
    expect(runs.firstFit(4, 8)).toBe(8);
    expect(runs.firstFit(5, 8)).toBe(24);
    expect(runs.firstFit(30, 1)).toBeUndefined();
    expect(runs.covers(6, 12)).toBe(true);
    expect(runs.covers(2, 4)).toBe(false);
  });

  it("matches a per-block model under random inserts and removes", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.nat(63), fc.integer({ min: 1, max: 8 })), {
          maxLength: 60,
        }),
        (ops) => {
          const runs = new FreeRuns();
          const model = new Array<boolean>(72).fill(false);
          for (const [insert, start, length] of ops) {
            const end = start + length;
            const slice = model.slice(start, end);
            if (insert && slice.every((free) => !free)) {
              runs.insert(start, end);
              model.fill(true, start, end);
            } else if (!insert && slice.every((free) => free)) {
              runs.remove(start, end);
              model.fill(false, start, end);
            }
          }
          const expected: { start: number; end: number }[] = [];
          for (let i = 0; i < model.length; i++) {
            if (!model[i]) continue;
            const last = expected.at(-1);
            if (last && last.end === i) last.end = i + 1;
            else expected.push({ start: i, end: i + 1 });
          }
          expect(runs.runs()).toEqual(expected);
          expect(runs.freeCount).toBe(model.filter(Boolean).length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
