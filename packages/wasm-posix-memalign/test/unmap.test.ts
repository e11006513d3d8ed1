import { MemoryFault, MiB, MmapProtection } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPosixMemalign } from "../src/index.js";
import { allZero, bundledAllocator, FIXED, NONE, PAGE, RW, spy } from "./helpers.js";

describe("partial munmap", () => {
  it("without release: pages are tracked and the block is freed once, with its last page", () => {
    const allocator = spy(bundledAllocator({ maximumBytes: 16 * MiB }));
    const os = createWasmPosixMemalign({ allocator });
    const start = os.dzmmapAnywhere(4 * PAGE, PAGE, RW);
    os.fill(start, 4 * PAGE, 3);
    os.munmap(start + PAGE, PAGE);
    expect(allocator.frees).toEqual([]);
    expect(() => os.read(start + PAGE, 1)).toThrow(MemoryFault);
    expect(() => os.panicIfUnmapped(start, 2 * PAGE)).toThrow();
    expect(os.read(start, PAGE).every((byte) => byte === 3)).toBe(true);
    expect(os.read(start + 2 * PAGE, 2 * PAGE).every((byte) => byte === 3)).toBe(true);
    expect(os.getMappings().map((m) => [m.start - start, m.end - start])).toEqual([
      [0, PAGE],
      [2 * PAGE, 4 * PAGE],
    ]);
    expect(os.stats().mappedBytes).toBe(3 * PAGE);
    os.munmap(start, PAGE);
    os.munmap(start + 3 * PAGE, PAGE);
    expect(allocator.frees).toEqual([]);
    os.munmap(start, 4 * PAGE);
    expect(allocator.frees).toEqual([start]);
    os.munmap(start, 4 * PAGE);
    os.munmap(start + PAGE, PAGE);
    expect(allocator.frees).toEqual([start]);
    expect(os.getMappings()).toEqual([]);
    expect(os.stats().mappedBytes).toBe(0);
  });

  it("without release: mremap shrink and a move free each block exactly once", () => {
    const allocator = spy(bundledAllocator({ maximumBytes: 16 * MiB }));
    const os = createWasmPosixMemalign({ allocator });
    const start = os.dzmmapAnywhere(4 * PAGE, PAGE, RW);
    os.mremap(start, 4 * PAGE, 2 * PAGE);
    const moved = os.mremap(start, 2 * PAGE, 8 * PAGE, { mayMove: true });
    expect(allocator.frees).toEqual([start]);
    os.munmap(moved, 8 * PAGE);
    expect(allocator.frees).toEqual([start, moved]);
    expect(allocator.live.size).toBe(0);
  });

  it("with release: unmapped parts go back to the allocator at once; the rest is freed once", () => {
    const allocator = spy(bundledAllocator({ maximumBytes: 16 * MiB }), { withRelease: true });
    const os = createWasmPosixMemalign({ allocator });
    const start = os.dzmmapAnywhere(6 * PAGE, PAGE, RW);
    os.fill(start, 6 * PAGE, 9);
    os.munmap(start + 2 * PAGE, 2 * PAGE);
    // The released middle is reused by the next mapping that fits.
    const reuse = os.dzmmapAnywhere(2 * PAGE, PAGE, RW);
    expect(reuse).toBe(start + 2 * PAGE);
    expect(allZero(os.read(reuse, 2 * PAGE))).toBe(true);
    expect(os.read(start, 2 * PAGE).every((byte) => byte === 9)).toBe(true);
    expect(os.read(start + 4 * PAGE, 2 * PAGE).every((byte) => byte === 9)).toBe(true);
    os.munmap(start, 6 * PAGE);
    expect(allocator.frees.sort()).toEqual([start, start + 2 * PAGE, start + 4 * PAGE].sort());
    expect(allocator.live.size).toBe(0);
    expect(os.getMappings()).toEqual([]);
  });

  it("re-maps held but unmapped pages with MAP_FIXED, zeroed", () => {
    const allocator = spy(bundledAllocator({ maximumBytes: 16 * MiB }));
    const os = createWasmPosixMemalign({ allocator });
    const start = os.dzmmapAnywhere(4 * PAGE, PAGE, NONE);
    os.setMemoryAccess(start, 4 * PAGE, MmapProtection.ReadWrite);
    os.fill(start, 4 * PAGE, 0x31);
    os.munmap(start + PAGE, 2 * PAGE);
    os.dzmmap(start + PAGE, 2 * PAGE, FIXED);
    expect(allZero(os.read(start + PAGE, 2 * PAGE))).toBe(true);
    expect(os.read(start, PAGE).every((byte) => byte === 0x31)).toBe(true);
    expect(os.stats().mappedBytes).toBe(4 * PAGE);
    expect(allocator.frees).toEqual([]);
  });

  it("MAP_FIXED may span adjacent held blocks, and fails with ENOTSUP past them", () => {
    const os = createWasmPosixMemalign({ maximumBytes: 16 * MiB });
    const a = os.dzmmapAnywhere(2 * PAGE, PAGE, RW);
    const b = os.dzmmapAnywhere(2 * PAGE, PAGE, RW);
    expect(b).toBe(a + 2 * PAGE);
    os.fill(a, 4 * PAGE, 1);
    os.dzmmap(a + PAGE, 2 * PAGE, FIXED);
    expect([...os.read(a + PAGE - 1, 2)]).toEqual([1, 0]);
    expect([...os.read(a + 3 * PAGE - 1, 2)]).toEqual([0, 1]);
    expect(() => os.dzmmap(a + 3 * PAGE, 2 * PAGE, FIXED)).toThrow(
      expect.objectContaining({ code: "ENOTSUP" }),
    );
    expect(os.read(a + 3 * PAGE, PAGE).every((byte) => byte === 1)).toBe(true);
  });
});
