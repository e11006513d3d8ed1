import { hasErrorCode, MmapAnnotation } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";
import { allEqual, FIXED, filled, NOREPLACE, RW, WASM_PAGE } from "./helpers.js";

describe("MAP_FIXED and MAP_FIXED_NOREPLACE", () => {
  it("grows into the pages it needs; the pages skipped become free and are used later", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * WASM_PAGE, growth: "exact" });
    os.dzmmap(20 * WASM_PAGE, 2 * WASM_PAGE, NOREPLACE, MmapAnnotation.space("fixed"));
    expect(os.stats().footprintBytes).toBe(22 * WASM_PAGE);
    expect(os.getMappings()).toEqual([
      expect.objectContaining({ start: 20 * WASM_PAGE, end: 22 * WASM_PAGE }),
    ]);
    // Page 0 is NULL and never handed out: the 19 pages after it are the skipped ones.
    expect(os.dzmmapAnywhere(19 * WASM_PAGE, WASM_PAGE, RW)).toBe(WASM_PAGE);
    expect(os.stats().footprintBytes).toBe(22 * WASM_PAGE);
  });

  it("noreplace over a mapping fails with EEXIST and changes nothing; replace replaces it", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * WASM_PAGE, growth: "exact" });
    const a = os.dzmmapAnywhere(4 * WASM_PAGE, WASM_PAGE, RW, MmapAnnotation.space("a"));
    os.write(a, filled(4 * WASM_PAGE, 8));
    let error: unknown;
    try {
      os.dzmmap(a + 3 * WASM_PAGE, 2 * WASM_PAGE, NOREPLACE);
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, "EEXIST")).toBe(true);
    expect(os.getMappings()).toHaveLength(1);
    expect(os.stats().footprintBytes).toBe(a + 4 * WASM_PAGE);
    os.dzmmap(a + 3 * WASM_PAGE, 2 * WASM_PAGE, FIXED, MmapAnnotation.space("b"));
    expect(allEqual(os.read(a, 3 * WASM_PAGE), 8)).toBe(true);
    expect(allEqual(os.read(a + 3 * WASM_PAGE, 2 * WASM_PAGE), 0)).toBe(true);
    expect(os.getMappings().map((m) => [m.start, m.end, m.annotation])).toEqual([
      [a, a + 3 * WASM_PAGE, MmapAnnotation.space("a")],
      [a + 3 * WASM_PAGE, a + 5 * WASM_PAGE, MmapAnnotation.space("b")],
    ]);
  });

  it("dzmmapPreferred takes the hint when it is free, else another place", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * WASM_PAGE, growth: "exact" });
    expect(os.dzmmapPreferred(8 * WASM_PAGE, WASM_PAGE, WASM_PAGE, RW)).toBe(8 * WASM_PAGE);
    expect(os.dzmmapPreferred(8 * WASM_PAGE, WASM_PAGE, WASM_PAGE, RW)).toBe(WASM_PAGE);
  });
});
