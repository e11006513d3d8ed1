import { describe, expect, it } from "vitest";
import { unmetRequirements } from "../src/conformance-case.js";
import { pattern } from "../src/fixtures.js";
import { conformanceGroups } from "../src/index.js";
import { badInputCaseCount } from "../src/suites/bad-input.js";

const all = {
  fixed: true,
  noReplace: true,
  partialUnmap: true,
  remapInPlace: true,
  enforcesProtection: true,
  reservesWithoutCommit: true,
  returnsMemoryToHost: true,
  threadSafe: false,
  uninitialized: false,
  remapAcrossMappings: false,
  remapDontUnmap: false,
  remapFixed: false,
  setAnnotation: false,
};

describe("the suite's cases", () => {
  const names = conformanceGroups.flatMap((g) => g.cases.map((c) => `${g.title} > ${c.name}`));

  it("has at least 40 behaviours besides the bad-input matrix", () => {
    expect(names.length - badInputCaseCount).toBeGreaterThanOrEqual(40);
  });

  it("has a bad-input row for every call", () => {
    const matrix = conformanceGroups.find((g) => g.title === "bad input")!.cases.map((c) => c.name);
    for (const call of [
      "dzmmap ",
      "dzmmapAnywhere ",
      "dzmmapPreferred ",
      "munmap ",
      "mremap ",
      "setMemoryAccess ",
      "madvise ",
      "read ",
      "write ",
      "fill ",
    ]) {
      expect(
        matrix.some((name) => name.startsWith(call)),
        call,
      ).toBe(true);
    }
  });

  it("gives every case a unique name", () => {
    expect(new Set(names).size).toBe(names.length);
  });
});

describe("unmetRequirements", () => {
  it("lists the flags whose value differs", () => {
    expect(unmetRequirements(all, { fixed: true })).toEqual([]);
    expect(unmetRequirements(all, { fixed: false, partialUnmap: true })).toEqual(["fixed=false"]);
    expect(unmetRequirements({ ...all, remapInPlace: false }, { remapInPlace: true })).toEqual([
      "remapInPlace=true",
    ]);
    expect(unmetRequirements(all, undefined)).toEqual([]);
  });
});

describe("pattern", () => {
  it("never contains a zero byte, so it cannot be mistaken for fresh memory", () => {
    expect(pattern(70_000, 3).includes(0)).toBe(false);
  });

  it("differs between seeds", () => {
    expect(pattern(64, 1)).not.toEqual(pattern(64, 2));
  });
});
