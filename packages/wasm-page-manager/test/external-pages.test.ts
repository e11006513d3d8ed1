import { hasErrorCode, MmapAnnotation, parseProcMaps } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";
import { FIXED, filled, NOREPLACE, newMemory, RW, WASM_PAGE } from "./helpers.js";

describe("external pages", () => {
  it("never hands out a guest's memory that was in use at attach time", () => {
    const memory = newMemory(4, 64);
    new Uint8Array(memory.buffer).fill(0xaa, 0, 4 * WASM_PAGE);
    const os = createWasmPageManager({ memory });
    const starts = [];
    for (let i = 0; i < 20; i++) starts.push(os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW));
    for (const start of starts) expect(start).toBeGreaterThanOrEqual(4 * WASM_PAGE);
    // The guest's bytes were not touched.
    expect(new Uint8Array(memory.buffer, 0, 4 * WASM_PAGE).every((b) => b === 0xaa)).toBe(true);
    const maps = parseProcMaps(os.getProcessMemoryMaps());
    expect(maps[0]).toMatchObject({ start: 0, end: 4 * WASM_PAGE, name: "[heap]" });
  });

  it("never hands out memory grown behind its back, even once freed pages are all around it", () => {
    const memory = newMemory(0, 64);
    const os = createWasmPageManager({ memory });
    const a = os.dzmmapAnywhere(2 * WASM_PAGE, WASM_PAGE, RW);
    const grownAt = memory.grow(3) * WASM_PAGE; // someone else's memory.grow
    new Uint8Array(memory.buffer).fill(0x55, grownAt, grownAt + 3 * WASM_PAGE);
    os.munmap(a, 2 * WASM_PAGE);
    const taken: number[] = [];
    for (let i = 0; i < 10; i++) taken.push(os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW));
    for (const start of taken) {
      expect(start < grownAt || start >= grownAt + 3 * WASM_PAGE).toBe(true);
    }
    const theirs = new Uint8Array(memory.buffer, grownAt, 3 * WASM_PAGE);
    expect(theirs.every((b) => b === 0x55)).toBe(true);
    const heap = parseProcMaps(os.getProcessMemoryMaps()).find((line) => line.name === "[heap]");
    expect(heap).toMatchObject({ start: grownAt, end: grownAt + 3 * WASM_PAGE });
  });

  it("refuses MAP_FIXED and MAP_FIXED_NOREPLACE over external pages with ENOTSUP, changing nothing", () => {
    const memory = newMemory(2, 64);
    const os = createWasmPageManager({ memory });
    const mine = os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW, MmapAnnotation.space("mine"));
    os.write(mine, filled(16, 7));
    const before = os.getMappings();
    const statsBefore = os.stats();
    for (const strategy of [FIXED, NOREPLACE]) {
      let error: unknown;
      try {
        os.dzmmap(WASM_PAGE, 2 * WASM_PAGE, strategy);
      } catch (caught) {
        error = caught;
      }
      expect(hasErrorCode(error, "ENOTSUP")).toBe(true);
    }
    expect(os.getMappings()).toEqual(before);
    expect(os.read(mine, 16)).toEqual(filled(16, 7));
    expect(os.stats().mappedBytes).toBe(statsBefore.mappedBytes);
    expect(os.stats().footprintBytes).toBe(statsBefore.footprintBytes);
  });

  it("treats unmapping external pages as a no-op, not an error", () => {
    const memory = newMemory(2, 64);
    new Uint8Array(memory.buffer).fill(0x11, 0, 2 * WASM_PAGE);
    const os = createWasmPageManager({ memory });
    os.munmap(0, 2 * WASM_PAGE);
    expect(new Uint8Array(memory.buffer, 0, 2 * WASM_PAGE).every((b) => b === 0x11)).toBe(true);
    expect(os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW)).toBe(2 * WASM_PAGE);
  });
});
