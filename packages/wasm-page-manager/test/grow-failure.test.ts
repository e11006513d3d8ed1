import { hasErrorCode } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";
import { allEqual, FIXED, filled, RW, WASM_PAGE } from "./helpers.js";

function expectEnomem(call: () => unknown): void {
  let error: unknown;
  try {
    call();
  } catch (caught) {
    error = caught;
  }
  expect(hasErrorCode(error, "ENOMEM")).toBe(true);
}

describe("memory.grow failure", () => {
  it("fails mmap, fixed mmap and mremap with ENOMEM and changes nothing", () => {
    const os = createWasmPageManager({ maximumBytes: 8 * WASM_PAGE });
    const a = os.dzmmapAnywhere(3 * WASM_PAGE, WASM_PAGE, RW);
    const b = os.dzmmapAnywhere(3 * WASM_PAGE, WASM_PAGE, RW);
    os.write(a, filled(3 * WASM_PAGE, 1));
    os.write(b, filled(3 * WASM_PAGE, 2));
    const maps = os.getMappings();
    const footprint = os.stats().footprintBytes;
    expectEnomem(() => os.dzmmapAnywhere(3 * WASM_PAGE, WASM_PAGE, RW));
    expectEnomem(() => os.dzmmap(6 * WASM_PAGE, 4 * WASM_PAGE, FIXED));
    expectEnomem(() => os.mremap(b, 3 * WASM_PAGE, 6 * WASM_PAGE));
    expectEnomem(() => os.mremap(a, 3 * WASM_PAGE, 4 * WASM_PAGE, { mayMove: true }));
    expect(os.getMappings()).toEqual(maps);
    expect(os.stats().footprintBytes).toBe(footprint);
    expect(allEqual(os.read(a, 3 * WASM_PAGE), 1)).toBe(true);
    expect(allEqual(os.read(b, 3 * WASM_PAGE), 2)).toBe(true);
    // What is left still works (page 0 is NULL, never handed out: a and b took pages 1 to 6).
    expect(os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW)).toBe(7 * WASM_PAGE);
  });

  it("reports the memory's maximum as the address space and the system total", () => {
    const os = createWasmPageManager({ maximumBytes: 8 * WASM_PAGE });
    expect(os.addressSpaceEnd).toBe(8 * WASM_PAGE);
    expect(os.getSystemTotalMemory()).toBe(8 * WASM_PAGE);
    expect(createWasmPageManager().addressSpaceEnd).toBe(4 * 1024 * 1024 * 1024);
  });
});
