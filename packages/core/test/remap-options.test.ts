import { describe, expect, it } from "vitest";
import { type Capabilities, checkRemapOptions, MmapError } from "../src/index.js";

const space = { pageSize: 4096, addressSpaceEnd: 1 << 30 };
const none = {
  remapDontUnmap: false,
  remapFixed: false,
} as Capabilities;
const all = { remapDontUnmap: true, remapFixed: true } as Capabilities;

function codeOf(call: () => void): string | undefined {
  try {
    call();
  } catch (error) {
    return error instanceof MmapError ? error.code : "not an MmapError";
  }
  return undefined;
}

describe("checkRemapOptions (Linux 6.17's mremap flag rules)", () => {
  const P = 4096;
  it("accepts no flags and plain mayMove on any backend", () => {
    expect(codeOf(() => checkRemapOptions(undefined, none, P, P, 2 * P, space))).toBeUndefined();
    expect(
      codeOf(() => checkRemapOptions({ mayMove: true }, none, P, P, 2 * P, space)),
    ).toBeUndefined();
  });

  it("refuses dontUnmap without mayMove or with a size change (EINVAL), before ENOTSUP", () => {
    expect(codeOf(() => checkRemapOptions({ dontUnmap: true }, none, P, P, P, space))).toBe(
      "EINVAL",
    );
    const resize = { mayMove: true, dontUnmap: true };
    expect(codeOf(() => checkRemapOptions(resize, none, P, P, 2 * P, space))).toBe("EINVAL");
    expect(codeOf(() => checkRemapOptions(resize, none, P, P, P, space))).toBe("ENOTSUP");
    expect(codeOf(() => checkRemapOptions(resize, all, P, P, P, space))).toBeUndefined();
  });

  it("refuses newAddress without mayMove, unaligned, past the end or overlapping (EINVAL)", () => {
    const fixed = (newAddress: number, mayMove = true) => ({ mayMove, newAddress });
    expect(codeOf(() => checkRemapOptions(fixed(8 * P, false), all, P, P, P, space))).toBe(
      "EINVAL",
    );
    expect(codeOf(() => checkRemapOptions(fixed(8 * P + 1), all, P, P, P, space))).toBe("EINVAL");
    expect(codeOf(() => checkRemapOptions(fixed(1 << 30), all, P, P, P, space))).toBe("EINVAL");
    expect(codeOf(() => checkRemapOptions(fixed(2 * P), all, P, 2 * P, P, space))).toBe("EINVAL");
    expect(codeOf(() => checkRemapOptions(fixed(2 * P), all, P, P, P, space))).toBeUndefined();
    expect(codeOf(() => checkRemapOptions(fixed(2 * P), none, P, P, P, space))).toBe("ENOTSUP");
  });
});
