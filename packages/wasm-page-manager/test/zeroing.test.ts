import { MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";
import { allEqual, FIXED, filled, RW, WASM_PAGE } from "./helpers.js";

describe("zeroing", () => {
  it("never zeroes pages handed out for the first time", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * 1024 * 1024, growth: "exact" });
    for (let i = 0; i < 20; i++) os.dzmmapAnywhere((1 + (i % 3)) * WASM_PAGE, WASM_PAGE, RW);
    os.dzmmap(200 * WASM_PAGE, 4 * WASM_PAGE, FIXED);
    expect(os.stats().zeroedBytes).toBe(0);
  });

  it("zeroes a recycled page when it is mapped again and counts exactly those bytes", () => {
    const os = createWasmPageManager({
      pageSize: 16 * 1024,
      maximumBytes: 16 * 1024 * 1024,
      growth: "exact",
    });
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(8 * p, p, RW);
    os.fill(a, 8 * p, 0xee);
    os.munmap(a + 2 * p, 3 * p); // three recycled pages in the middle
    expect(os.stats().zeroedBytes).toBe(0);
    const b = os.dzmmapAnywhere(5 * p, p, RW); // the 3-page hole is too small: fresh pages
    expect(b).toBe(a + 8 * p);
    expect(os.stats().zeroedBytes).toBe(0);
    const c = os.dzmmapAnywhere(3 * p, p, RW);
    expect(c).toBe(a + 2 * p);
    expect(os.stats().zeroedBytes).toBe(3 * p);
    expect(allEqual(os.read(c, 3 * p), 0)).toBe(true);
  });

  it("counts only the dirty pages when a mapping covers dirty and fresh pages", () => {
    const os = createWasmPageManager({
      pageSize: 4096,
      maximumBytes: 16 * 1024 * 1024,
      growth: "exact",
    });
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(4 * p, p, RW);
    os.fill(a, 4 * p, 1);
    os.munmap(a, 4 * p);
    // 4 dirty pages followed by fresh ones: only the 4 are written.
    const b = os.dzmmapAnywhere(10 * p, p, RW);
    expect(b).toBe(a);
    expect(os.stats().zeroedBytes).toBe(4 * p);
    expect(allEqual(os.read(b, 10 * p), 0)).toBe(true);
  });

  it("zeroes and counts MAP_FIXED over a mapping and madvise(dontneed)", () => {
    const os = createWasmPageManager({ maximumBytes: 16 * 1024 * 1024, growth: "exact" });
    const a = os.dzmmapAnywhere(4 * WASM_PAGE, WASM_PAGE, RW);
    os.fill(a, 4 * WASM_PAGE, 9);
    os.dzmmap(a + WASM_PAGE, WASM_PAGE, FIXED);
    expect(os.stats().zeroedBytes).toBe(WASM_PAGE);
    os.madvise(a + 2 * WASM_PAGE, 2 * WASM_PAGE, "dontneed");
    expect(os.stats().zeroedBytes).toBe(3 * WASM_PAGE);
    expect(os.read(a, 1)[0]).toBe(9);
    expect(allEqual(os.read(a + WASM_PAGE, 3 * WASM_PAGE), 0)).toBe(true);
    os.madvise(a, WASM_PAGE, "willneed");
    expect(os.stats().zeroedBytes).toBe(3 * WASM_PAGE);
  });

  it("copies on a moving mremap and zeroes only the recycled pages of the new tail", () => {
    const os = createWasmPageManager({ maximumBytes: 16 * 1024 * 1024, growth: "exact" });
    const a = os.dzmmapAnywhere(2 * WASM_PAGE, WASM_PAGE, RW);
    const wall = os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    os.write(a, filled(2 * WASM_PAGE, 3));
    const moved = os.mremap(a, 2 * WASM_PAGE, 4 * WASM_PAGE, { mayMove: true });
    expect(moved).toBe(wall + WASM_PAGE);
    expect(allEqual(os.read(moved, 2 * WASM_PAGE), 3)).toBe(true);
    expect(allEqual(os.read(moved + 2 * WASM_PAGE, 2 * WASM_PAGE), 0)).toBe(true);
    expect(os.stats().zeroedBytes).toBe(0);
  });

  it("does not zero pages skipped by growing for a fixed mapping when they are mapped later", () => {
    const os = createWasmPageManager({ maximumBytes: 16 * 1024 * 1024, growth: "exact" });
    os.dzmmap(10 * WASM_PAGE, WASM_PAGE, MmapStrategy.DEFAULT);
    // Pages 1 to 9: page 0 is NULL, never handed out.
    const low = os.dzmmapAnywhere(9 * WASM_PAGE, WASM_PAGE, RW);
    expect(low).toBe(WASM_PAGE);
    expect(os.stats().zeroedBytes).toBe(0);
    expect(os.stats().footprintBytes).toBe(11 * WASM_PAGE);
  });
});
