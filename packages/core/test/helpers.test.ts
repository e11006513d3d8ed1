import { describe, expect, it } from "vitest";
import {
  alignDown,
  alignUp,
  checkAlign,
  checkRange,
  formatAnnotation,
  formatBytes,
  formatProcMaps,
  isPowerOfTwo,
  KiB,
  MiB,
  MmapAnnotation,
  MmapError,
  memoryCalls,
  parseProcMaps,
  StatsRecorder,
  TiB,
} from "../src/index.js";

const space = { pageSize: 4 * KiB, addressSpaceEnd: 2 ** 47 };

function codeOf(body: () => unknown): string | undefined {
  try {
    body();
  } catch (error) {
    if (error instanceof MmapError) return error.code;
    throw error;
  }
  return undefined;
}

describe("address helpers", () => {
  it("align without 32-bit truncation", () => {
    expect(alignUp(2 ** 40 + 1, 2 * MiB)).toBe(2 ** 40 + 2 * MiB);
    expect(alignDown(2 ** 46 + 5 * MiB, 4 * MiB)).toBe(2 ** 46 + 4 * MiB);
    expect(isPowerOfTwo(TiB)).toBe(true);
    expect(isPowerOfTwo(3 * MiB)).toBe(false);
    expect(isPowerOfTwo(0)).toBe(false);
    expect(formatBytes(3 * MiB)).toBe("3 MiB");
    expect(formatBytes(1536)).toBe("1.5 KiB");
  });

  it("knows a power of two on both sides of 2^31, where its bit test stops", () => {
    for (let k = 0; k <= 52; k++) {
      const power = 2 ** k;
      expect(isPowerOfTwo(power)).toBe(true);
      if (k >= 2) expect(isPowerOfTwo(power - 1)).toBe(false);
      if (k >= 1) expect(isPowerOfTwo(power + 1)).toBe(false);
      if (k >= 1 && k <= 51) expect(isPowerOfTwo(3 * power)).toBe(false);
    }
    expect(isPowerOfTwo(2 ** 31 + 2 ** 30)).toBe(false);
    expect(isPowerOfTwo(2 ** 53)).toBe(false);
    for (const bad of [-1, -(2 ** 31), 0.5, 2 ** 31 + 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(isPowerOfTwo(bad)).toBe(false);
    }
  });
});

describe("argument checks", () => {
  it.each([
    ["unaligned start", 1, 4096, "EINVAL"],
    ["unaligned size", 4096, 100, "EINVAL"],
    ["zero size", 4096, 0, "EINVAL"],
    ["negative start", -4096, 4096, "EINVAL"],
    ["NaN size", 4096, Number.NaN, "EINVAL"],
    ["non-integer start", 4096.5, 4096, "EINVAL"],
    ["infinite size", 4096, Number.POSITIVE_INFINITY, "EINVAL"],
    ["past the end", 2 ** 47 - 4096, 8192, "ENOMEM"],
  ])("mmap range with %s fails with %s", (_name, start, size, code) => {
    expect(codeOf(() => checkRange("mmap", start, size, space))).toBe(code);
  });

  it("munmap past the end is EINVAL, as on Linux", () => {
    expect(codeOf(() => checkRange("munmap", 2 ** 47 - 4096, 8192, space))).toBe("EINVAL");
    expect(codeOf(() => checkRange("munmap", 4096, 4096, space))).toBeUndefined();
  });

  it("alignment must be a power of two, at least a page in effect", () => {
    expect(checkAlign("mmap", 1, space)).toBe(4 * KiB);
    expect(checkAlign("mmap", 2 * MiB, space)).toBe(2 * MiB);
    expect(codeOf(() => checkAlign("mmap", 3 * KiB, space))).toBe("EINVAL");
    expect(codeOf(() => checkAlign("mmap", 0, space))).toBe("EINVAL");
  });
});

describe("maps format", () => {
  it("formats and parses /proc/self/maps lines with annotations", () => {
    const text = formatProcMaps([
      {
        start: 0x7f0000000000,
        end: 0x7f0000200000,
        prot: "ReadWrite",
        annotation: MmapAnnotation.sidemeta("immix", "mark"),
      },
      { start: 0x10000, end: 0x20000, prot: "NoAccess" },
    ]);
    expect(text).toBe(
      `${"7f0000000000-7f0000200000 rw-p 00000000 00:00 0".padEnd(73)}[anon:sidemeta:immix:mark]\n00010000-00020000 ---p 00000000 00:00 0\n`,
    );
    expect(parseProcMaps(text)).toEqual([
      {
        start: 0x7f0000000000,
        end: 0x7f0000200000,
        perms: "rw-p",
        name: "[anon:sidemeta:immix:mark]",
      },
      { start: 0x10000, end: 0x20000, perms: "---p", name: "" },
    ]);
    expect(formatAnnotation(MmapAnnotation.test("a.ts", 3))).toBe("test:a.ts:3");
  });
});

describe("StatsRecorder", () => {
  it("counts calls and failures and keeps peaks", () => {
    const stats = new StatsRecorder();
    stats.track("mmap", () => stats.setMapped(100));
    expect(() =>
      stats.track("munmap", () => {
        throw new Error("no");
      }),
    ).toThrow("no");
    stats.setMapped(40);
    stats.setFootprint(64);
    stats.setFootprint(10);
    stats.addZeroed(7);
    expect(stats.snapshot()).toMatchObject({
      mappedBytes: 40,
      peakMappedBytes: 100,
      footprintBytes: 10,
      peakFootprintBytes: 64,
      zeroedBytes: 7,
      calls: { mmap: 1, munmap: 1, mremap: 0 },
      failedCalls: { mmap: 0, munmap: 1 },
    });
  });

  it("counts every kind of call under its own name", () => {
    const stats = new StatsRecorder();
    memoryCalls.forEach((call, i) => {
      for (let n = 0; n <= i; n++) stats.begin(call);
      for (let n = 0; n < 2 * i; n++) stats.fail(call, new Error(call));
    });
    expect(stats.snapshot().calls).toEqual({
      mmap: 1,
      munmap: 2,
      mremap: 3,
      mprotect: 4,
      madvise: 5,
    });
    expect(stats.snapshot().failedCalls).toEqual({
      mmap: 0,
      munmap: 2,
      mremap: 4,
      mprotect: 6,
      madvise: 8,
    });
  });
});

describe("linear memory helpers", () => {
  it("create, recognise and inspect a WebAssembly.Memory", async () => {
    const { createLinearMemory, isLinearMemory, isSharedMemory, WASM_PAGE_SIZE } = await import(
      "../src/index.js"
    );
    const memory = createLinearMemory(4 * WASM_PAGE_SIZE);
    expect(memory.buffer.byteLength).toBe(0);
    expect(memory.grow(2)).toBe(0);
    expect(memory.buffer.byteLength).toBe(2 * WASM_PAGE_SIZE);
    expect(() => memory.grow(3)).toThrow(RangeError);
    expect(isLinearMemory(memory)).toBe(true);
    expect(isLinearMemory({ buffer: 1 })).toBe(false);
    expect(isSharedMemory(memory)).toBe(false);
    expect(isSharedMemory(createLinearMemory(WASM_PAGE_SIZE, true))).toBe(true);
  });
});
