import { runInNewContext } from "node:vm";
import { describe, expect, it } from "vitest";
import {
  checkAnnotation,
  checkDzmmapArguments,
  describeValue,
  isUint8Array,
  MmapAnnotation,
  MmapError,
  MmapStrategy,
  readRemapOptions,
  validStrategy,
} from "../src/index.js";

const space = { pageSize: 4096, addressSpaceEnd: 2 ** 32 };

function code(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    return error instanceof MmapError ? error.code : `not an MmapError: ${String(error)}`;
  }
  return "no error";
}

describe("argument shape checks", () => {
  it("a Uint8Array is one from any realm or a subclass; other views and fakes are not", () => {
    expect(isUint8Array(new Uint8Array(2))).toBe(true);
    expect(isUint8Array(runInNewContext("new Uint8Array(2)"))).toBe(true);
    expect(isUint8Array(Buffer.from("ab"))).toBe(true);
    expect(isUint8Array(new Uint8ClampedArray(2))).toBe(false);
    expect(isUint8Array({ [Symbol.toStringTag]: "Uint8Array", length: 2 })).toBe(false);
    expect(isUint8Array(Object.create(Uint8Array.prototype))).toBe(false);
  });

  it("an annotation is kept as a frozen copy unless it is already immutable", () => {
    const constructed = MmapAnnotation.space("immix");
    expect(checkAnnotation("mmap", constructed)).toBe(constructed);
    const literal = { kind: "misc" as const, name: "x" };
    const kept = checkAnnotation("mmap", literal);
    expect(kept).not.toBe(literal);
    expect(kept).toEqual(literal);
    expect(Object.isFrozen(kept)).toBe(true);
    expect(
      code(() =>
        checkAnnotation("mmap", {
          kind: "misc",
          get name() {
            return "x";
          },
        }),
      ),
    ).toBe("EINVAL");
  });

  it("a strategy-shaped plain object becomes an immutable MmapStrategy; a wrong field is EINVAL", () => {
    const plain = { ...MmapStrategy.TEST.fields() };
    const checked = validStrategy("mmap", plain);
    expect(checked).toBeInstanceOf(MmapStrategy);
    expect(checked.equals(MmapStrategy.TEST)).toBe(true);
    expect(validStrategy("mmap", MmapStrategy.DEFAULT)).toBe(MmapStrategy.DEFAULT);
    expect(code(() => validStrategy("mmap", { ...plain, uninitialized: 1 }))).toBe("EINVAL");
    expect(code(() => validStrategy("mmap", { ...plain, uninitialized: null }))).toBe("EINVAL");
  });

  it("mremap options: absent fields are false, anything but booleans is EINVAL", () => {
    expect(readRemapOptions(undefined)).toEqual({
      mayMove: false,
      dontUnmap: false,
      newAddress: undefined,
    });
    expect(readRemapOptions({ mayMove: true }).mayMove).toBe(true);
    for (const bad of [null, { mayMove: null }, { mayMove: "yes" }, { other: true }, [true]]) {
      expect(
        code(() => readRemapOptions(bad)),
        describeValue(bad),
      ).toBe("EINVAL");
    }
  });

  it("arguments are checked left to right: a bad address wins over a bad annotation", () => {
    const error = (() => {
      try {
        checkDzmmapArguments(space, 2 ** 32, 4096, MmapStrategy.TEST, null);
      } catch (caught) {
        return caught as MmapError;
      }
      throw new Error("no error");
    })();
    expect(error.code).toBe("ENOMEM");
    expect(error.annotation).toBeUndefined();
  });

  it("describeValue never throws, whatever the value", () => {
    const values = [
      Object.create(null),
      Symbol("s"),
      1n,
      () => 0,
      new Proxy({}, {}),
      "x".repeat(100),
    ];
    for (const value of values) expect(typeof describeValue(value)).toBe("string");
  });
});
