import { MiB, type OSMemory } from "@osal/core";
import { describe, expect, it } from "vitest";
import {
  Prng,
  runWorkload,
  verificationFailureCode,
  type WorkloadResult,
  type WorkloadSample,
  workloadNames,
  workloadSizes,
} from "../src/index.js";
import { FakeMemory } from "./fake-memory.js";

const steps = 300;

/** A result without its timings, which are the only part allowed to differ between runs. */
function untimed(result: WorkloadResult): Omit<WorkloadResult, "elapsedMs" | "usPerOperation"> {
  const { elapsedMs: _elapsed, usPerOperation: _us, ...rest } = result;
  return rest;
}

describe("Prng", () => {
  it("gives the same sequence for the same seed and another for another seed", () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const c = new Prng(43);
    const seqA = Array.from({ length: 20 }, () => a.nextUint32());
    expect(Array.from({ length: 20 }, () => b.nextUint32())).toEqual(seqA);
    expect(Array.from({ length: 20 }, () => c.nextUint32())).not.toEqual(seqA);
  });

  it("keeps int, range and chance within bounds", () => {
    const rng = new Prng(7);
    for (let i = 0; i < 1000; i++) {
      const n = rng.int(10);
      expect(n).toBeGreaterThanOrEqual(0);
      expect(n).toBeLessThan(10);
      const r = rng.range(3, 5);
      expect(r).toBeGreaterThanOrEqual(3);
      expect(r).toBeLessThanOrEqual(5);
    }
    expect(rng.chance(0)).toBe(false);
    expect(rng.chance(1)).toBe(true);
    expect(() => rng.int(0)).toThrow(RangeError);
    expect(() => rng.pick([])).toThrow(RangeError);
  });
});

describe.each(workloadNames)("workload %s on a full-featured backend", (name) => {
  it("completes, verifies its data and reports consistent figures", () => {
    const os = new FakeMemory();
    const result = runWorkload(name, os, { steps, seed: 1 });
    expect(result.failure).toBeUndefined();
    expect(result.completed).toBe(true);
    expect(result.workload).toBe(name);
    expect(result.stepsDone).toBe(steps);
    expect(result.peakLiveBytes).toBeGreaterThan(0);
    expect(result.peakLiveBytes).toBeLessThan(512 * MiB);
    expect(result.operations).toBeGreaterThan(0);
    const stats = os.stats();
    const calls = Object.values(stats.calls).reduce((a, b) => a + b, 0);
    expect(result.operations).toBe(calls);
    expect(result.peakFootprintBytes).toBe(stats.peakFootprintBytes);
    expect(result.footprintRatio).toBeCloseTo(result.peakFootprintBytes / result.peakLiveBytes, 12);
    expect(result.zeroedBytes).toBe(stats.zeroedBytes);
    expect(result.failedCalls).toBe(Object.values(stats.failedCalls).reduce((a, b) => a + b, 0));
    expect(result.usPerOperation).toBeCloseTo((result.elapsedMs * 1000) / result.operations, 9);
    expect(stats.peakMappedBytes).toBeGreaterThanOrEqual(result.peakLiveBytes);
  });

  it("is deterministic: same seed, same calls and figures", () => {
    const first = new FakeMemory();
    const second = new FakeMemory();
    const a = runWorkload(name, first, { steps, seed: 99 });
    const b = runWorkload(name, second, { steps, seed: 99 });
    expect(untimed(b)).toEqual(untimed(a));
    expect(second.getMappings()).toEqual(first.getMappings());
    expect(second.stats().calls).toEqual(first.stats().calls);
  });

  it("makes different calls for a different seed", () => {
    const a = new FakeMemory();
    const b = new FakeMemory();
    runWorkload(name, a, { steps, seed: 1 });
    runWorkload(name, b, { steps, seed: 2 });
    expect(b.getMappings()).not.toEqual(a.getMappings());
  });

  it("rounds its sizes up to a backend's 1 MiB pages", () => {
    const result = runWorkload(name, new FakeMemory({ pageSize: MiB }), { steps: 150, seed: 3 });
    expect(result.failure).toBeUndefined();
    expect(result.completed).toBe(true);
  });

  it("runs on 4 KiB pages", () => {
    const result = runWorkload(name, new FakeMemory({ pageSize: 4096 }), { steps: 100, seed: 4 });
    expect(result.failure).toBeUndefined();
  });

  it("samples live and footprint levels, ending with the last step", () => {
    const samples: WorkloadSample[] = [];
    const result = runWorkload(name, new FakeMemory(), {
      steps: 95,
      seed: 5,
      sampleEvery: 10,
      onSample: (s) => samples.push(s),
    });
    expect(samples.map((s) => s.step)).toEqual([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95]);
    for (const s of samples) expect(s.liveBytes).toBeLessThanOrEqual(result.peakLiveBytes);
    expect(samples.at(-1)?.footprintBytes).toBeGreaterThanOrEqual(0);
  });

  it("catches a backend that hands out dirty memory as a verification failure", () => {
    const result = runWorkload(name, new FakeMemory({ forgetsToZero: true }), {
      steps: 2000,
      seed: 6,
    });
    expect(result.completed).toBe(false);
    expect(result.failure?.code).toBe(verificationFailureCode);
    expect(result.stepsDone).toBe(result.failure?.step);
  });
});

describe("expected failures", () => {
  it("mmtk fails with ENOTSUP on a backend that cannot map at a fixed address", () => {
    const result = runWorkload("mmtk", new FakeMemory({ fixed: false }), { steps: 50, seed: 1 });
    expect(result.completed).toBe(false);
    expect(result.failure?.code).toBe("ENOTSUP");
    expect(result.failure?.step).toBe(0);
    expect(result.stepsDone).toBe(0);
    expect(result.failedCalls).toBeGreaterThan(0);
  });

  it("coreclr decommits with madvise + mprotect when the backend has no fixed mappings", () => {
    const os = new FakeMemory({ fixed: false });
    const result = runWorkload("coreclr", os, { steps, seed: 1 });
    expect(result.completed).toBe(true);
    expect(os.stats().calls.madvise).toBeGreaterThan(0);
    expect(os.stats().calls.mprotect).toBeGreaterThan(0);
  });

  it("zend grows by map-new-copy-free, without trying mremap, on a backend that cannot grow in place", () => {
    const os = new FakeMemory({ remapInPlace: false });
    const result = runWorkload("zend", os, { steps: 600, seed: 8 });
    expect(result.failure).toBeUndefined();
    expect(result.completed).toBe(true);
    expect(os.stats().calls.mremap).toBe(0);
    expect(result.failedCalls).toBe(0);
  });

  it("zend falls back to map-new-copy-free when an in-place mremap fails with ENOMEM", () => {
    const os = new FakeMemory();
    const result = runWorkload("zend", os, { steps: 2000, seed: 8 });
    expect(result.completed).toBe(true);
    expect(os.stats().failedCalls.mremap).toBeGreaterThan(0);
    expect(result.failedCalls).toBe(os.stats().failedCalls.mremap);
  });

  it("makes the same decisions whatever the backend answers", () => {
    const inPlace = new FakeMemory();
    const copying = new FakeMemory({ remapInPlace: false, fixed: false });
    for (const name of ["zend", "coreclr"] as const) {
      expect(runWorkload(name, inPlace, { steps, seed: 21 }).completed).toBe(true);
      expect(runWorkload(name, copying, { steps, seed: 21 }).completed).toBe(true);
      expect(copying.stats().mappedBytes).toBe(inPlace.stats().mappedBytes);
    }
  });

  it("zend grows huge blocks in place when the backend can", () => {
    const os = new FakeMemory();
    const result = runWorkload("zend", os, { steps: 600, seed: 8 });
    expect(result.completed).toBe(true);
    const stats = os.stats();
    expect(stats.calls.mremap - stats.failedCalls.mremap).toBeGreaterThan(0);
  });

  it("zend grows huge blocks only by page-granular appends or by doubling", () => {
    const os = new FakeMemory({ pageSize: 4096 });
    const growths = recordRemaps(os);
    expect(runWorkload("zend", os, { steps: 2000, seed: 12 }).completed).toBe(true);
    const page = workloadSizes.zendRealPage;
    const appends = growths.filter((g) => g.newSize - g.oldSize <= workloadSizes.zendAppendMax);
    const doublings = growths.filter((g) => g.newSize === 2 * (g.oldSize - page) + page);
    expect(appends.length).toBeGreaterThan(0);
    expect(doublings.length).toBeGreaterThan(0);
    expect(appends.length + doublings.length).toBe(growths.length);
    for (const g of growths) expect(g.newSize % page).toBe(0);
  });

  it("zend mostly grows the block it grew last (the value being built)", () => {
    const os = new FakeMemory({ pageSize: 4096 });
    const growths = recordRemaps(os);
    runWorkload("zend", os, { steps: 2000, seed: 13 });
    let pairs = 0;
    let continued = 0;
    for (let i = 1; i < growths.length; i++) {
      const previous = growths[i - 1]!;
      if (!previous.ok) continue;
      pairs++;
      const g = growths[i]!;
      if (g.start === previous.start && g.oldSize === previous.newSize) continued++;
    }
    expect(pairs).toBeGreaterThan(100);
    expect(continued / pairs).toBeGreaterThan(0.6);
  });

  it("zend truncates huge blocks with a tail munmap and frees them all at request end", () => {
    const os = new FakeMemory({ pageSize: 4096 });
    const perStep = recordCallsPerStep(os);
    runWorkload("zend", os, {
      steps: 3000,
      seed: 14,
      sampleEvery: 1,
      onSample: perStep.endStep,
    });
    // Without a map in the same step, an unmap off a 2 MiB boundary is a truncation.
    const truncations = perStep.steps.filter(
      (s) => s.maps === 0 && s.unmaps.some((start) => start % (2 * MiB) !== 0),
    );
    expect(truncations.length).toBeGreaterThan(0);
    // Only the end of a request unmaps several blocks and does nothing else.
    const requestEnds = perStep.steps.filter(
      (s) => s.maps === 0 && s.remaps === 0 && s.unmaps.length >= 2,
    );
    expect(requestEnds.length).toBeGreaterThan(0);
  });

  it("zend aligns every chunk to 2 MiB by the over-map-and-trim path", () => {
    const os = new FakeMemory();
    runWorkload("zend", os, { steps: 200, seed: 11 });
    expect(os.stats().calls.munmap).toBeGreaterThan(0);
    for (const mapping of os.getMappings()) expect(mapping.start % (2 * MiB)).toBe(0);
  });

  it("stops with ENOMEM where memory runs out", () => {
    const result = runWorkload("sgen", new FakeMemory({ addressSpaceEnd: 16 * MiB }), {
      steps,
      seed: 1,
    });
    expect(result.completed).toBe(false);
    expect(result.failure?.code).toBe("ENOMEM");
    expect(result.stepsDone).toBe(result.failure?.step);
    expect(result.stepsDone).toBeGreaterThan(0);
  });

  it("reports an error a workload does not know as a failure without a code", () => {
    const os = new FakeMemory();
    os.madvise = () => {
      throw new TypeError("boom");
    };
    const result = runWorkload("coreclr", os, { steps, seed: 1 });
    expect(result.completed).toBe(false);
    expect(result.failure?.code).toBeUndefined();
    expect(result.failure?.message).toContain("boom");
  });
});

describe("runWorkload options", () => {
  it("runs zero steps", () => {
    const result = runWorkload("ghc", new FakeMemory(), { steps: 0, seed: 1 });
    expect(result).toMatchObject({ completed: true, stepsDone: 0, operations: 0 });
    expect(result.footprintRatio).toBe(0);
    expect(result.usPerOperation).toBe(0);
  });

  it("rejects bad options before touching the backend", () => {
    const os = new FakeMemory();
    expect(() => runWorkload("zend", os, { steps: -1, seed: 1 })).toThrow(RangeError);
    expect(() => runWorkload("zend", os, { steps: 1.5, seed: 1 })).toThrow(RangeError);
    expect(() => runWorkload("zend", os, { steps: 1, seed: Number.NaN })).toThrow(RangeError);
    expect(() => runWorkload("zend", os, { steps: 1, seed: 1, sampleEvery: 0 })).toThrow(
      RangeError,
    );
    expect(() => runWorkload("nope" as "zend", os, { steps: 1, seed: 1 })).toThrow(RangeError);
    expect(os.stats().calls.mmap).toBe(0);
  });
});

/** One `mremap` a workload made: where, from and to what size, and whether it worked. */
interface RemapCall {
  start: number;
  oldSize: number;
  newSize: number;
  ok: boolean;
}

/** Records every `mremap` call made on `os`. */
function recordRemaps(os: OSMemory): RemapCall[] {
  const calls: RemapCall[] = [];
  const mremap = os.mremap.bind(os);
  os.mremap = (start, oldSize, newSize, options) => {
    try {
      const moved = mremap(start, oldSize, newSize, options);
      calls.push({ start, oldSize, newSize, ok: true });
      return moved;
    } catch (error) {
      calls.push({ start, oldSize, newSize, ok: false });
      throw error;
    }
  };
  return calls;
}

/** The calls of each workload step: maps, remaps and the start of every unmap. */
function recordCallsPerStep(os: OSMemory): {
  steps: { maps: number; remaps: number; unmaps: number[] }[];
  endStep: () => void;
} {
  const steps: { maps: number; remaps: number; unmaps: number[] }[] = [];
  let current = { maps: 0, remaps: 0, unmaps: [] as number[] };
  const map = os.dzmmapAnywhere.bind(os);
  const unmap = os.munmap.bind(os);
  const remap = os.mremap.bind(os);
  os.dzmmapAnywhere = (...args) => {
    current.maps++;
    return map(...args);
  };
  os.munmap = (start, size) => {
    current.unmaps.push(start);
    unmap(start, size);
  };
  os.mremap = (...args) => {
    current.remaps++;
    return remap(...args);
  };
  return {
    steps,
    endStep: () => {
      steps.push(current);
      current = { maps: 0, remaps: 0, unmaps: [] };
    },
  };
}
