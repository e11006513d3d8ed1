import { describe, expect, it } from "vitest";
import {
  isCleanAfterUnmap,
  markAfterDiscard,
  markWhenMapped,
  markWhenMoved,
  ZeroMark,
  zeroesWhenMapped,
  zeroesWhenOpened,
} from "../src/index.js";

const { Dirty, Pending, Zero } = ZeroMark;

describe("zero-mark transitions (Note [Lazy zeroing])", () => {
  it("mapping: accessible zeroes what is not clean, NoAccess defers, uninitialized writes nothing", () => {
    // [clean, accessible, uninitialized] -> [mark, zeroes now]
    const table: [boolean, boolean, boolean, ZeroMark, boolean][] = [
      [true, true, false, Dirty, false],
      [false, true, false, Dirty, true],
      [true, false, false, Zero, false],
      [false, false, false, Pending, false],
      [true, true, true, Dirty, false],
      [false, true, true, Dirty, false],
      [true, false, true, Zero, false],
      [false, false, true, Dirty, false],
    ];
    for (const [clean, accessible, uninitialized, mark, zeroes] of table) {
      expect(markWhenMapped(clean, accessible, uninitialized)).toBe(mark);
      expect(zeroesWhenMapped(clean, accessible, uninitialized)).toBe(zeroes);
    }
  });

  it("opening, dontneed, munmap and moving", () => {
    expect([Dirty, Pending, Zero].map(zeroesWhenOpened)).toEqual([false, true, false]);
    expect([Dirty, Pending, Zero].map(markAfterDiscard)).toEqual([Pending, Pending, Zero]);
    expect([Dirty, Pending, Zero].map(isCleanAfterUnmap)).toEqual([false, false, true]);
    expect([Dirty, Pending, Zero].map((m) => markWhenMoved(m, true))).toEqual([Dirty, Zero, Zero]);
    expect([Dirty, Pending, Zero].map((m) => markWhenMoved(m, false))).toEqual([
      Dirty,
      Pending,
      Pending,
    ]);
  });
});
