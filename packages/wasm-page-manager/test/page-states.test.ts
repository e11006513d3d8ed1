import { reportsPageStates } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";
import { FIXED, RW, WASM_PAGE } from "./helpers.js";

describe("page states", () => {
  it("report free pages as zeroed until handed out, dirty after, and foreign memory as external", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * WASM_PAGE, growth: "exact" });
    expect(reportsPageStates(os)).toBe(true);
    const a = os.dzmmapAnywhere(4 * WASM_PAGE, WASM_PAGE, RW);
    os.munmap(a + WASM_PAGE, WASM_PAGE);
    os.memory.grow(1); // someone else grows the memory behind the manager's back
    const b = os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    expect(b).toBe(a + WASM_PAGE);
    os.munmap(a + 2 * WASM_PAGE, WASM_PAGE);
    const states = os.pageStates();
    expect(states).toContainEqual({
      start: a + 2 * WASM_PAGE,
      end: a + 3 * WASM_PAGE,
      state: "free-dirty",
    });
    expect(states).toContainEqual({
      start: 4 * WASM_PAGE + a,
      end: 5 * WASM_PAGE + a,
      state: "external",
    });
    for (const run of states)
      expect(
        run.state === "free-zeroed" || run.state === "free-dirty" || run.state === "external",
      ).toBe(true);
    // a fixed mapping beyond the end grows memory; the pages it skipped are free and zero
    os.dzmmap(12 * WASM_PAGE, WASM_PAGE, FIXED);
    expect(os.pageStates()).toContainEqual({
      start: a + 5 * WASM_PAGE,
      end: 12 * WASM_PAGE,
      state: "free-zeroed",
    });
    const mapped = os.getMappings();
    for (const run of states)
      for (const m of mapped) expect(run.end <= m.start || run.start >= m.end).toBe(true);
  });
});
