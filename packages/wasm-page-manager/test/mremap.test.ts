import { hasErrorCode, MmapAnnotation, MmapProtection } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";
import { allEqual, filled, RW, WASM_PAGE } from "./helpers.js";

const P = WASM_PAGE;

describe("mremap", () => {
  it("grows in place into free pages after the mapping", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * P, growth: "exact" });
    const a = os.dzmmapAnywhere(2 * P, P, RW);
    const b = os.dzmmapAnywhere(3 * P, P, RW);
    os.dzmmapAnywhere(P, P, RW);
    os.munmap(b, 3 * P);
    os.write(a, filled(2 * P, 4));
    expect(os.mremap(a, 2 * P, 5 * P)).toBe(a);
    expect(allEqual(os.read(a, 2 * P), 4)).toBe(true);
    expect(allEqual(os.read(a + 2 * P, 3 * P), 0)).toBe(true);
  });

  it("grows in place at the end of memory by growing the memory", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * P, growth: "exact" });
    const a = os.dzmmapAnywhere(2 * P, P, RW, MmapAnnotation.space("top"));
    expect(os.mremap(a, 2 * P, 10 * P)).toBe(a);
    expect(os.stats().footprintBytes).toBe(a + 10 * P);
    expect(os.getMappings()).toEqual([
      expect.objectContaining({
        start: a,
        end: a + 10 * P,
        annotation: MmapAnnotation.space("top"),
      }),
    ]);
  });

  it("shrinks in place, freeing the tail for reuse", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * P, growth: "exact" });
    const a = os.dzmmapAnywhere(6 * P, P, RW);
    os.dzmmapAnywhere(P, P, RW);
    expect(os.mremap(a, 6 * P, 2 * P)).toBe(a);
    expect(os.stats().mappedBytes).toBe(3 * P);
    expect(os.dzmmapAnywhere(4 * P, P, RW)).toBe(a + 2 * P);
  });

  it("fails with ENOMEM without mayMove when the next page is taken, and moves with it", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * P, growth: "exact" });
    const a = os.dzmmapAnywhere(2 * P, P, RW, MmapAnnotation.space("moving"));
    const wall = os.dzmmapAnywhere(P, P, RW);
    os.write(a, filled(2 * P, 6));
    let error: unknown;
    try {
      os.mremap(a, 2 * P, 3 * P);
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, "ENOMEM")).toBe(true);
    expect(os.stats().mappedBytes).toBe(3 * P);
    const moved = os.mremap(a, 2 * P, 4 * P, { mayMove: true });
    expect(moved).toBe(wall + P);
    expect(allEqual(os.read(moved, 2 * P), 6)).toBe(true);
    expect(os.getMappings().map((m) => [m.start, m.end, m.annotation])).toEqual([
      [wall, wall + P, undefined],
      [moved, moved + 4 * P, MmapAnnotation.space("moving")],
    ]);
    // The old place is free again.
    expect(os.dzmmapAnywhere(2 * P, P, RW)).toBe(a);
  });

  it("refuses an old range spanning two mappings with EFAULT", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * P, growth: "exact" });
    const a = os.dzmmapAnywhere(2 * P, P, RW);
    os.setMemoryAccess(a + P, P, MmapProtection.ReadWriteExec);
    let error: unknown;
    try {
      os.mremap(a, 2 * P, 4 * P, { mayMove: true });
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, "EFAULT")).toBe(true);
    expect(os.stats().mappedBytes).toBe(2 * P);
  });

  it("fails with EFAULT when the old range is not mapped", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * P, growth: "exact" });
    let error: unknown;
    try {
      os.mremap(0, P, 2 * P, { mayMove: true });
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, "EFAULT")).toBe(true);
  });
});
