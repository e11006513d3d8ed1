import { runSweep, SWEEP_SEED, SWEEP_STEPS, unmapAll } from "@osal/conformance";
import { KiB, type LinearMemory, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createGhcMegablock, type GhcMegablock } from "../src/index.js";
import { wasmMemory } from "./helpers.js";

const MEGABLOCK = 64 * KiB;
const MAXIMUM_PAGES = 256;

/**
 * `memory.grow` throwing (as a host out of memory does) from its `failAt`-th call
 * until the current call to the backend ends.
 */
class FaultyMemory implements LinearMemory {
  calls = 0;
  fired = false;
  failing = true;
  constructor(
    private readonly inner: LinearMemory,
    readonly failAt: number,
  ) {}
  get buffer(): ArrayBuffer | SharedArrayBuffer {
    return this.inner.buffer;
  }
  grow(delta: number): number {
    this.calls++;
    if (this.calls === this.failAt) this.fired = true;
    if (this.fired && this.failing) {
      throw new RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded");
    }
    return this.inner.grow(delta);
  }
  /** Between backend calls: the fault ends with the call it hit. */
  endStep(): void {
    if (this.fired) this.failing = false;
  }
}

/**
 * After unmapping everything: every megablock of the memory is free, none
 * leaked; megablock 0 too (grown, listed free-zeroed) but it is never handed
 * out (no mapping at the null pointer).
 */
function expectAllFree(os: GhcMegablock, memory: FaultyMemory): void {
  expect(os.getMappings()).toEqual([]);
  expect(os.stats().mappedBytes).toBe(0);
  let at = 0;
  let free = 0;
  for (const run of os.pageStates()) {
    expect(run.start).toBe(at);
    expect(run.state).not.toBe("external");
    free += run.end - run.start;
    at = run.end;
  }
  expect(at).toBe(memory.buffer.byteLength);
  expect(free).toBe(at);
  // And usable: one mapping of all but megablock 0 needs no growth.
  const calls = memory.calls;
  if (free > MEGABLOCK) os.dzmmapAnywhere(free - MEGABLOCK, MEGABLOCK, MmapStrategy.DEFAULT);
  expect(memory.calls).toBe(calls);
}

describe.each([
  ["exact growth", "exact" as const],
  ["the default growth policy", undefined],
])(`fault sweep (seed ${SWEEP_SEED.toString(16)}, ${SWEEP_STEPS} calls), %s`, (_, growth) => {
  it(
    "memory.grow failing at every point: ENOMEM, nothing changed, no megablock leaked",
    { timeout: 60_000 },
    () => {
      let faults = 0;
      for (let failAt = 1; ; failAt++) {
        const memory = new FaultyMemory(wasmMemory(0, MAXIMUM_PAGES), failAt);
        const os = createGhcMegablock({
          memory,
          megablockSize: MEGABLOCK,
          maximumBytes: MAXIMUM_PAGES * 64 * KiB,
          growth,
        });
        const run = runSweep(
          { os, pageSize: MEGABLOCK, memoryBytes: () => memory.buffer.byteLength },
          { beforeStep: () => memory.endStep(), fired: () => memory.fired && memory.failing },
        );
        expect(run.problems, `fault at grow ${failAt}`).toEqual([]);
        const fired = memory.fired;
        memory.failing = false; // the checks below run with a healthy memory
        unmapAll(os);
        expectAllFree(os, memory);
        if (!fired) break;
        // ghc-megablock never remaps in place: a growth it needs has no other way.
        expect(run.absorbed, `fault at grow ${failAt}`).toEqual([]);
        expect(run.failedByFault, `fault at grow ${failAt}`).toBe(1);
        faults++;
        expect(failAt).toBeLessThan(1000);
      }
      expect(faults).toBeGreaterThan(growth === "exact" ? 5 : 0);
    },
  );
});
