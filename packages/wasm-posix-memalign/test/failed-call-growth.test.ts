import { MiB } from "@osal/core";
import { describe, expect, it } from "vitest";
import {
  type AlignedAllocator,
  bundledAllocator,
  createWasmPosixMemalign,
  type WasmPosixMemalign,
} from "../src/index.js";
import { PAGE, RW } from "./helpers.js";

/**
 * Issue 15, R6: a failed call grows nothing and leaves `stats()` right. The
 * bundled allocator used to grow the memory by 64 KiB (its bitmaps) in the first
 * `aligned_alloc`, even one that then failed; it now sets them up when it is
 * created. Each fallback attempt of Note [posix_memalign fallbacks] is watched too.
 */

/** The bundled allocator, with the memory's size seen after every `alignedAlloc`. */
function watched(maximumBytes: number) {
  const inner = bundledAllocator({ maximumBytes });
  const attempts: { align: number; size: number; address: number; grew: boolean }[] = [];
  const allocator: AlignedAllocator = {
    ...inner,
    alignedAlloc(align, size) {
      const before = inner.memory.buffer.byteLength;
      const address = inner.alignedAlloc(align, size);
      attempts.push({ align, size, address, grew: inner.memory.buffer.byteLength !== before });
      return address;
    },
  };
  return { os: createWasmPosixMemalign({ allocator }), memory: inner.memory, attempts };
}

/** Everything a failed call must leave as it was: the memory's size, the levels, the mappings. */
function state(os: WasmPosixMemalign, memory: AlignedAllocator["memory"]) {
  const { calls, failedCalls, ...levels } = os.stats();
  return { byteLength: memory.buffer.byteLength, levels, mappings: os.getMappings() };
}

function expectEnomem(call: () => unknown): void {
  expect(call).toThrow(expect.objectContaining({ code: "ENOMEM" }));
}

describe("a failed call grows nothing (bundled allocator)", () => {
  it("the first call of a fresh backend, refused, leaves the memory's size and stats", () => {
    const { os, memory, attempts } = watched(4 * MiB);
    const before = state(os, memory);
    expect(before.levels.footprintBytes).toBe(memory.buffer.byteLength);
    expectEnomem(() => os.dzmmapAnywhere(4 * MiB, PAGE, RW));
    expect(state(os, memory)).toEqual(before);
    expectEnomem(() => os.dzmmapPreferred(0, 4 * MiB, PAGE, RW));
    expect(state(os, memory)).toEqual(before);
    expect(attempts.length).toBeGreaterThan(0);
    expect(attempts.every((attempt) => attempt.address === 0 && !attempt.grew)).toBe(true);
    // The refusals were honest: what fits is still given.
    expect(os.dzmmapAnywhere(MiB, PAGE, RW)).toBeGreaterThan(0);
  });

  it("with memory in use below its maximum, failed mmaps, every fallback and a moving mremap grow nothing", () => {
    const { os, memory, attempts } = watched(4 * MiB);
    const start = os.dzmmapAnywhere(MiB, PAGE, RW);
    os.fill(start, MiB, 0x5a);
    const before = state(os, memory);
    // Room to grow is left, so a growth would show.
    expect(before.byteLength).toBeLessThan(2 * MiB);
    attempts.length = 0;

    expectEnomem(() => os.dzmmapAnywhere(3 * MiB, PAGE, RW));
    // 2 MiB + a page at 2 MiB: the preferred alignment, the rounded-up size and
    // the over-allocation aligned inside are all tried, and each fails.
    expectEnomem(() => os.dzmmapAnywhere(2 * MiB + PAGE, 2 * MiB, RW));
    expectEnomem(() => os.dzmmapPreferred(2 * MiB, 2 * MiB + PAGE, PAGE, RW));
    expectEnomem(() => os.mremap(start, MiB, 3 * MiB, { mayMove: true }));
    expect(attempts.length).toBeGreaterThanOrEqual(6);
    expect(attempts.filter((attempt) => attempt.address !== 0 || attempt.grew)).toEqual([]);
    expect(state(os, memory)).toEqual(before);
    expect(os.read(start, MiB).every((byte) => byte === 0x5a)).toBe(true);
    expect(os.stats().failedCalls).toMatchObject({ mmap: 3, mremap: 1 });

    // What fits in the room left is given, growing the memory then.
    const more = os.dzmmapAnywhere(2 * MiB, PAGE, RW);
    expect(memory.buffer.byteLength).toBeGreaterThan(before.byteLength);
    expect(os.stats().footprintBytes).toBe(memory.buffer.byteLength);
    os.munmap(more, 2 * MiB);
  });

  it("a maximum too small for the allocator's own data and bitmaps is refused when it is created", () => {
    expect(() => bundledAllocator({ maximumBytes: 64 * 1024 })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    const allocator = bundledAllocator({ maximumBytes: 128 * 1024 });
    expect(allocator.memory.buffer.byteLength).toBe(128 * 1024);
    // The room left after them (two granules here) is all the allocator gives.
    expect(allocator.alignedAlloc(PAGE, 3 * PAGE)).toBe(0);
    expect(allocator.alignedAlloc(PAGE, 2 * PAGE)).toBeGreaterThan(0);
    expect(allocator.memory.buffer.byteLength).toBe(128 * 1024);
  });
});
