import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { firstDifference } from "../src/first-difference.js";
import { expectSameBytes, ModelMismatch } from "../src/model/commands.js";

/** The plain byte-by-byte answer. */
function naive(a: Uint8Array, b: Uint8Array): number {
  const length = Math.max(a.length, b.length);
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

describe("firstDifference (the model's byte check)", () => {
  it("agrees with a byte-by-byte scan on any views, aligned or not", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.nat(3),
        fc.nat(3),
        fc.option(fc.tuple(fc.nat(63), fc.integer({ min: 1, max: 255 }))),
        fc.integer({ min: -2, max: 2 }),
        (bytes, offsetA, offsetB, flip, lengthChange) => {
          const a = new Uint8Array(bytes.length + 4).subarray(offsetA, offsetA + bytes.length);
          a.set(bytes);
          const bLength = Math.max(0, bytes.length + lengthChange);
          const b = new Uint8Array(bLength + 4).subarray(offsetB, offsetB + bLength);
          b.set(bytes.subarray(0, bLength));
          if (flip !== null && flip[0] < bLength) b[flip[0]] = (b[flip[0]]! + flip[1]) & 0xff;
          expect(firstDifference(a, b)).toBe(naive(a, b));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("names the first differing byte of a 1 MiB page, on a shared buffer too", () => {
    const a = new Uint8Array(new SharedArrayBuffer(1 << 20));
    const b = new Uint8Array(1 << 20);
    expect(() => expectSameBytes("check", 0x100000, a, b)).not.toThrow();
    b[(1 << 20) - 3] = 7;
    expect(() => expectSameBytes("check", 0x100000, a, b)).toThrow(
      new ModelMismatch("check: byte at 0x1ffffd is 0, the model says 7"),
    );
  });
});
