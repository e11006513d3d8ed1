import { MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { bundledAllocator, createWasmPosixMemalign } from "../src/index.js";

/**
 * Issue 15, R6: a MAP_FIXED mapping laid over two allocator blocks is one
 * mapping (it is listed as one), so `mremap` on it works as on Linux; and
 * `stats()` is right after a failed call.
 */

const TEST = MmapStrategy.TEST;
const DEFAULT = MmapStrategy.DEFAULT;

/** Two adjacent two-page blocks with one fixed mapping over their middle pages (start, 2 pages). */
function overTwoBlocks() {
  const os = createWasmPosixMemalign({ allocator: bundledAllocator({ maximumBytes: 8 << 20 }) });
  const p = os.pageSize;
  const a = os.dzmmapAnywhere(2 * p, p, DEFAULT);
  const b = os.dzmmapAnywhere(2 * p, p, DEFAULT);
  const low = Math.min(a, b);
  expect(Math.max(a, b)).toBe(low + 2 * p);
  const start = low + p;
  os.dzmmap(start, 2 * p, TEST);
  const bytes = new Uint8Array(2 * p).map((_, i) => (i * 7 + 3) % 251);
  os.write(start, bytes);
  return { os, p, low, start, bytes };
}

describe("one mapping over two allocator blocks (R6)", () => {
  it("is listed as one mapping between its neighbours", () => {
    const { os, p, low, start } = overTwoBlocks();
    const hit = os.getMappings().filter((m) => m.start <= start && start + 2 * p <= m.end);
    expect(hit).toHaveLength(1);
    expect(os.getMappings().some((m) => m.start === low)).toBe(true);
  });

  it("mremap to the same size returns it unchanged", () => {
    const { os, p, start, bytes } = overTwoBlocks();
    expect(os.mremap(start, 2 * p, 2 * p)).toBe(start);
    expect(os.read(start, 2 * p)).toEqual(bytes);
  });

  it("mremap shrinks it, unmapping the tail in the second block", () => {
    const { os, p, start, bytes } = overTwoBlocks();
    expect(os.mremap(start, 2 * p, p)).toBe(start);
    expect(os.read(start, p)).toEqual(bytes.subarray(0, p));
    expect(() => os.read(start + p, 1)).toThrow(/EFAULT/);
    expect(os.stats().mappedBytes).toBe(3 * p);
  });

  it("growing without mayMove fails with ENOMEM and changes nothing", () => {
    const { os, p, start, bytes } = overTwoBlocks();
    const before = os.getMappings();
    expect(() => os.mremap(start, 2 * p, 3 * p)).toThrow(/ENOMEM/);
    expect(os.getMappings()).toEqual(before);
    expect(os.read(start, 2 * p)).toEqual(bytes);
  });

  it("growing with mayMove moves both parts, bytes kept, growth zero, old range unmapped", () => {
    const { os, p, low, start, bytes } = overTwoBlocks();
    const moved = os.mremap(start, 2 * p, 4 * p, { mayMove: true });
    expect(moved).not.toBe(start);
    expect(os.read(moved, 2 * p)).toEqual(bytes);
    expect(os.read(moved + 2 * p, 2 * p)).toEqual(new Uint8Array(2 * p));
    expect(() => os.read(start, 1)).toThrow(/EFAULT/);
    expect(() => os.read(start + p, 1)).toThrow(/EFAULT/);
    expect(os.read(low, 1)).toEqual(new Uint8Array(1));
    expect(os.stats().mappedBytes).toBe(6 * p);
  });
});

describe("stats after a failed call (R6)", () => {
  it("footprintBytes is the memory's size right after a dzmmapAnywhere that failed", () => {
    const allocator = bundledAllocator({ maximumBytes: 4 << 20 });
    const os = createWasmPosixMemalign({ allocator });
    const p = os.pageSize;
    const before = allocator.memory.buffer.byteLength;
    // The whole memory: the allocator's own data and bitmaps leave no room for it.
    expect(() => os.dzmmapAnywhere(256 * p, p, DEFAULT)).toThrow(/ENOMEM/);
    expect(allocator.memory.buffer.byteLength).toBe(before);
    expect(os.stats().footprintBytes).toBe(before);
    expect(os.stats().mappedBytes).toBe(0);
  });
});
