import { describe, expect, it } from "vitest";
import { describeRun } from "../src/report.js";
import { runScenario } from "../src/scenario.js";
import { targets } from "./backends.js";

const KiB = 1024;

describe("the scenario main runs", () => {
  const runs = targets.map(({ target, make }) => {
    const os = make();
    return { target, os, result: runScenario(os) };
  });

  it("does the same on both targets: the heap code does not know its backend", () => {
    const [test, production] = runs.map((run) => run.result);
    expect(production!.heap).toEqual(test!.heap);
    expect(production!.collections).toEqual(test!.collections);
    expect(production!.outOfMemory).toEqual(test!.outOfMemory);
    expect(production!.recovery).toEqual(test!.recovery);
  });

  it.each(
    runs,
  )("on $target: reads every object back, reclaims requests, recovers from running out", ({
    os,
    result,
  }) => {
    expect(result.verifiedObjects).toBe(4 * 3000 + 4);
    expect(result.collections.map((c) => c.liveObjects)).toEqual([2, 3, 4, 5]);
    for (const collection of result.collections) {
      expect(collection.reclaimedObjects).toBe(3000);
      expect(collection.releasedBlocks).toBeGreaterThanOrEqual(2);
    }
    expect(result.outOfMemory.reason).toBe("heap-full");
    expect(result.recovery.releasedBlocks).toBeGreaterThan(20);
    expect(result.heap.peakCommittedBlocks).toBe(result.layout.blockCount);
    expect(result.heap.blocksReleased).toBe(result.heap.blockCommits - result.heap.committedBlocks);
    expect(result.os.calls.mmap).toBe(1);
    expect(result.os.failedCalls).toEqual({
      mmap: 0,
      munmap: 0,
      mremap: 0,
      mprotect: 0,
      madvise: 0,
    });
    expect(os.getMappings()).toEqual([]);
  });

  it("on mock-unix the footprint is only the blocks still committed", () => {
    const { result } = runs.find((run) => run.target === "test")!;
    expect(result.os.footprintBytes).toBeLessThanOrEqual(result.heap.committedBlocks * 64 * KiB);
    expect(result.os.peakFootprintBytes).toBe(result.layout.size);
  });

  it("on the page manager the memory grows to the end of the reservation, and reusing blocks never grows it", () => {
    const { os, result } = runs.find((run) => run.target === "production")!;
    expect(os.capabilities.reservesWithoutCommit).toBe(false);
    // Page 0 is never handed out (NULL) and a 2 MiB reservation prefers 2 MiB
    // alignment, so it starts at 2 MiB; the pages below stay free for others.
    expect(result.layout.start).toBe(2 * 1024 * 1024);
    expect(result.os.footprintBytes).toBe(result.layout.start + result.layout.size);
    expect(result.os.peakFootprintBytes).toBe(result.layout.start + result.layout.size);
  });

  it("prints a few lines naming the backend and the figures", () => {
    const { result } = runs.find((run) => run.target === "production")!;
    const lines = describeRun("wasm-page-manager", result);
    expect(lines[0]).toBe("backend: wasm-page-manager");
    expect(lines[1]).toBe("heap: 2 MiB reserved at 0x200000, 32 blocks of 64 KiB");
    expect(lines.join("\n")).toMatch(/out of memory \(heap-full\)/);
    expect(lines.join("\n")).toMatch(/footprint 4 MiB/);
  });
});
