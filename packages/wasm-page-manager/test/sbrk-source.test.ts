import { hasErrorCode, parseProcMaps } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";
import { allEqual, FakeSbrk, filled, newMemory, RW, WASM_PAGE } from "./helpers.js";

const P = 4096;

describe("a guest's sbrk as the source", () => {
  it("takes pages through sbrk, past the guest's break, and never below it", () => {
    const memory = newMemory(1, 256);
    const guest = new FakeSbrk(memory, 10_000);
    const os = createWasmPageManager({ memory, pageSize: P, source: guest, growth: "exact" });
    const a = os.dzmmapAnywhere(4 * P, P, RW);
    expect(a).toBe(12_288); // the first page boundary above the break
    expect(guest.brk).toBe(a + 4 * P);
    expect(guest.calls).toEqual([0, 0, a + 4 * P - 10_000]);
  });

  it("marks the guest's own sbrk use between two claims as external and keeps it", () => {
    const memory = newMemory(1, 256);
    const guest = new FakeSbrk(memory, 8192);
    const os = createWasmPageManager({ memory, pageSize: P, source: guest, growth: "exact" });
    const a = os.dzmmapAnywhere(P, P, RW);
    const theirs = guest.malloc(100); // the guest's malloc moves the break
    new Uint8Array(memory.buffer).fill(0x77, theirs, theirs + 100);
    const b = os.dzmmapAnywhere(2 * P, P, RW);
    expect(b).toBeGreaterThanOrEqual(theirs + 100);
    os.munmap(a, P);
    os.munmap(b, 2 * P);
    for (let i = 0; i < 8; i++) {
      const c = os.dzmmapAnywhere(P, P, RW);
      expect(c + P <= theirs || c >= theirs + 100).toBe(true);
      os.fill(c, P, 1);
    }
    expect(allEqual(new Uint8Array(memory.buffer, theirs, 100), 0x77)).toBe(true);
    const heap = parseProcMaps(os.getProcessMemoryMaps()).filter((l) => l.name === "[heap]");
    expect(heap.some((l) => l.start <= theirs && l.end >= theirs + 100)).toBe(true);
  });

  it("fails with ENOMEM and changes nothing when sbrk fails", () => {
    const memory = newMemory(1, 2);
    const guest = new FakeSbrk(memory, 4096);
    const os = createWasmPageManager({ memory, pageSize: P, source: guest, growth: "exact" });
    const a = os.dzmmapAnywhere(8 * P, P, RW);
    os.write(a, filled(8 * P, 5));
    const maps = os.getMappings();
    const frontier = os.frontier;
    const brk = guest.brk;
    let error: unknown;
    try {
      os.dzmmapAnywhere(64 * P, P, RW);
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, "ENOMEM")).toBe(true);
    expect(os.isMmapOom(error)).toBe(true);
    expect(os.getMappings()).toEqual(maps);
    expect(os.frontier).toBe(frontier);
    expect(guest.brk).toBe(brk);
    expect(allEqual(os.read(a, 8 * P), 5)).toBe(true);
    expect(os.stats().failedCalls.mmap).toBe(1);
  });

  it("treats pages sbrk returns from memory that already existed as dirty and zeroes them", () => {
    const memory = newMemory(2, 256);
    new Uint8Array(memory.buffer).fill(0x99); // stale bytes above the break
    const guest = new FakeSbrk(memory, 4096);
    const os = createWasmPageManager({ memory, pageSize: P, source: guest, growth: "exact" });
    const a = os.dzmmapAnywhere(4 * P, P, RW);
    expect(allEqual(os.read(a, 4 * P), 0)).toBe(true);
    expect(os.stats().zeroedBytes).toBe(4 * P);
    // Pages up to the old memory end (2 wasm pages) are dirty, pages sbrk grew are not.
    const b = os.dzmmapAnywhere(2 * WASM_PAGE, P, RW);
    expect(b).toBe(a + 4 * P);
    const dirty = (2 * WASM_PAGE - b) / P;
    expect(os.stats().zeroedBytes).toBe((4 + dirty) * P);
    expect(allEqual(os.read(b, 2 * WASM_PAGE), 0)).toBe(true);
  });
});
