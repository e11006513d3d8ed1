import { MiB, MmapError } from "@osal/core";
import { describe, expect, it } from "vitest";
import { AllocatorContractError, createWasmPosixMemalign } from "../src/index.js";
import { bundledAllocator, PAGE, RW, spy } from "./helpers.js";

function snapshot(os: ReturnType<typeof createWasmPosixMemalign>, start: number, size: number) {
  const { calls, failedCalls, ...levels } = os.stats();
  const bytes = Buffer.from(os.read(start, size)).toString("base64");
  return { mappings: os.getMappings(), bytes, levels };
}

describe("allocator failure", () => {
  it("a full memory fails with ENOMEM and changes nothing", () => {
    const os = createWasmPosixMemalign({ maximumBytes: 4 * MiB });
    const start = os.dzmmapAnywhere(MiB, PAGE, RW);
    os.fill(start, MiB, 0x42);
    const before = snapshot(os, start, MiB);
    let error: unknown;
    try {
      os.dzmmapAnywhere(3 * MiB, PAGE, RW);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MmapError);
    expect((error as MmapError).code).toBe("ENOMEM");
    expect(os.isMmapOom(error)).toBe(true);
    expect(snapshot(os, start, MiB)).toEqual(before);
    expect(os.stats().failedCalls.mmap).toBe(1);
    expect(() => os.mremap(start, MiB, 3 * MiB, { mayMove: true })).toThrow(
      expect.objectContaining({ code: "ENOMEM" }),
    );
    expect(snapshot(os, start, MiB)).toEqual(before);
  });

  it("an allocator returning 0 gives ENOMEM, nothing changed, nothing freed", () => {
    const allocator = spy(bundledAllocator({ maximumBytes: 16 * MiB }));
    const os = createWasmPosixMemalign({ allocator });
    const start = os.dzmmapAnywhere(2 * PAGE, PAGE, RW);
    os.fill(start, 2 * PAGE, 8);
    const before = snapshot(os, start, 2 * PAGE);
    allocator.failing = true;
    expect(() => os.dzmmapAnywhere(PAGE, PAGE, RW)).toThrow(
      expect.objectContaining({ code: "ENOMEM" }),
    );
    expect(() => os.mremap(start, 2 * PAGE, 4 * PAGE, { mayMove: true })).toThrow(
      expect.objectContaining({ code: "ENOMEM" }),
    );
    expect(snapshot(os, start, 2 * PAGE)).toEqual(before);
    expect(allocator.frees).toEqual([]);
    allocator.failing = false;
    expect(os.dzmmapAnywhere(PAGE, PAGE, RW)).toBeGreaterThan(0);
  });

  it("an alignment no wasm32 address can have is ENOMEM without asking the allocator", () => {
    const allocator = spy(bundledAllocator({ maximumBytes: 16 * MiB }));
    const os = createWasmPosixMemalign({ allocator });
    expect(() => os.dzmmapAnywhere(PAGE, 2 ** 32, RW)).toThrow(
      expect.objectContaining({ code: "ENOMEM" }),
    );
    expect(allocator.live.size).toBe(0);
  });

  it("an allocator breaking its contract is reported, and nothing is recorded", () => {
    const inner = bundledAllocator({ maximumBytes: 16 * MiB });
    let lie: number | undefined;
    const os = createWasmPosixMemalign({
      allocator: {
        ...inner,
        alignedAlloc: (align, size) => lie ?? inner.alignedAlloc(align, size),
      },
    });
    const start = os.dzmmapAnywhere(2 * PAGE, PAGE, RW);
    lie = start + PAGE;
    expect(() => os.dzmmapAnywhere(PAGE, PAGE, RW)).toThrow(AllocatorContractError);
    lie = start + 1;
    expect(() => os.dzmmapAnywhere(PAGE, 1, RW)).toThrow(AllocatorContractError);
    lie = 15 * MiB;
    expect(() => os.dzmmapAnywhere(4 * MiB, 1, RW)).toThrow(AllocatorContractError);
    expect(os.getMappings()).toHaveLength(1);
    expect(os.stats().mappedBytes).toBe(2 * PAGE);
  });
});
