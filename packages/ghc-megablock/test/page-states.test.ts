import { MiB, MmapStrategy, reportsPageStates } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createGhcMegablock } from "../src/index.js";
import { wasmMemory } from "./helpers.js";

describe("page states", () => {
  it("tell never-used free megablocks from reused ones, and foreign memory from both", () => {
    const memory = wasmMemory(3); // 192 KiB already in use by someone else
    const os = createGhcMegablock({ memory });
    expect(reportsPageStates(os)).toBe(true);
    // 2 MiB-aligned: [2 MiB, 4 MiB); the megablock at 1 MiB is grown but never handed out
    const a = os.dzmmapAnywhere(2 * MiB, 2 * MiB, MmapStrategy.DEFAULT);
    expect(a).toBe(2 * MiB);
    os.munmap(a + MiB, MiB);
    expect(os.pageStates()).toEqual([
      { start: 0, end: MiB, state: "external" },
      { start: MiB, end: 2 * MiB, state: "free-zeroed" },
      { start: 3 * MiB, end: 4 * MiB, state: "free-dirty" },
    ]);
    os.munmap(a, MiB);
    expect(os.pageStates().slice(1)).toEqual([
      { start: MiB, end: 2 * MiB, state: "free-zeroed" },
      { start: 2 * MiB, end: 4 * MiB, state: "free-dirty" },
    ]);
  });
});
