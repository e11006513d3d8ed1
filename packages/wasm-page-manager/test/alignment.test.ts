import { MiB } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";
import { RW, TWO_MIB, WASM_PAGE } from "./helpers.js";

describe("placement alignment", () => {
  it("aligns mappings of 2 MiB or more to 2 MiB by default", () => {
    const os = createWasmPageManager();
    os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    const chunk = os.dzmmapAnywhere(TWO_MIB, WASM_PAGE, RW);
    const huge = os.dzmmapAnywhere(5 * MiB, WASM_PAGE, RW);
    expect(chunk % TWO_MIB).toBe(0);
    expect(huge % TWO_MIB).toBe(0);
    // The hole below the chunk is still used by small mappings (page 0 is NULL, never handed out).
    expect(os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW)).toBe(2 * WASM_PAGE);
  });

  it("gives larger explicit alignments and page alignment to small mappings", () => {
    const os = createWasmPageManager();
    os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    expect(os.dzmmapAnywhere(WASM_PAGE, 1, RW)).toBe(2 * WASM_PAGE);
    expect(os.dzmmapAnywhere(WASM_PAGE, 8 * MiB, RW) % (8 * MiB)).toBe(0);
  });

  it("can be turned off with largeMappingAlignment: pageSize", () => {
    const os = createWasmPageManager({ largeMappingAlignment: WASM_PAGE });
    os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    expect(os.dzmmapAnywhere(TWO_MIB, WASM_PAGE, RW)).toBe(2 * WASM_PAGE);
  });
});
