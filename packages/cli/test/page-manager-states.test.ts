import { MmapAnnotation, MmapStrategy } from "@osal/core";
import type { LinearMemory } from "@osal/wasm-page-manager";
import { describe, expect, it } from "vitest";
import { createInspectableWasmPageManager, snapshotMemoryMap } from "../src/index.js";

const wasm = (
  globalThis as unknown as {
    WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => LinearMemory };
  }
).WebAssembly;

describe("InspectableWasmPageManager.pageStateRuns", () => {
  it("agrees with the manager: fresh pages free-zeroed, unmapped ones free-dirty, guest memory external", () => {
    // A guest's memory with two pages already in use.
    const memory = new wasm.Memory({ initial: 2, maximum: 256 });
    const os = createInspectableWasmPageManager({ memory });
    const page = os.pageSize;
    const a = os.dzmmapAnywhere(4 * page, page, MmapStrategy.DEFAULT, MmapAnnotation.misc("a"));
    const b = os.dzmmapAnywhere(2 * page, page, MmapStrategy.DEFAULT, MmapAnnotation.misc("b"));
    os.fill(a, 4 * page, 0xff);
    os.munmap(a + page, 2 * page);
    expect(os.pageStateRuns()).toEqual([
      { start: 0, end: 2 * page, state: "external" },
      { start: a + page, end: a + 3 * page, state: "free-dirty" },
    ]);
    // Mapping the dirty pages again costs a memset the stats count; fresh pages cost none.
    const zeroedBefore = os.stats().zeroedBytes;
    const c = os.dzmmapAnywhere(2 * page, page, MmapStrategy.DEFAULT, MmapAnnotation.misc("c"));
    expect(c).toBe(a + page);
    expect(os.stats().zeroedBytes - zeroedBefore).toBe(2 * page);
    os.munmap(b, 2 * page);
    const map = snapshotMemoryMap("wasm-page-manager", "t", {
      os,
      memoryBytes: os.memory.buffer.byteLength,
      pageStates: () => os.pageStateRuns(),
    });
    expect(map.spans.map((s) => [s.state, s.annotation ?? null, (s.end - s.start) / page])).toEqual(
      [
        ["external", null, 2],
        ["mapped", "misc:a", 1],
        ["mapped", "misc:c", 2],
        ["mapped", "misc:a", 1],
        ["free-dirty", null, 2],
      ],
    );
  });

  it("reports never-used grown pages as free-zeroed", () => {
    const os = createInspectableWasmPageManager();
    const page = os.pageSize;
    const a = os.dzmmapAnywhere(page, page, MmapStrategy.DEFAULT);
    os.dzmmap(a + 3 * page, page, MmapStrategy.DEFAULT);
    expect(os.pageStateRuns()).toContainEqual({
      start: a + page,
      end: a + 3 * page,
      state: "free-zeroed",
    });
  });
});
