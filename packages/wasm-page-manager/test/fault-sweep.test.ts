import { runSweep, SWEEP_SEED, SWEEP_STEPS, unmapAll } from "@osal/conformance";
import type { LinearMemory, PageStateRun } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager, type SbrkFunction, type WasmPageManager } from "../src/index.js";
import { FakeSbrk, FIXED, newMemory, type TestMemory, WASM_PAGE } from "./helpers.js";

const MAXIMUM_PAGES = 256;

/**
 * A fault that fires on the `failAt`-th call of a source of pages and keeps failing
 * until the current call to the backend ends (the host is out of memory for it).
 */
class Fault {
  calls = 0;
  fired = false;
  failing = true;
  constructor(readonly failAt: number) {}
  /** Counts a call of the source; true when it must fail. */
  hit(): boolean {
    this.calls++;
    if (this.calls === this.failAt) this.fired = true;
    return this.fired && this.failing;
  }
  /** Called between backend calls: the fault stops once the call it hit is over. */
  endStep(): void {
    if (this.fired) this.failing = false;
  }
}

/** `memory` whose `grow` throws as a host out of memory does, when `fault` says so. */
function faultyMemory(memory: TestMemory, fault: Fault): LinearMemory {
  return {
    get buffer() {
      return memory.buffer;
    },
    grow(delta: number) {
      if (fault.hit())
        throw new RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded");
      return memory.grow(delta);
    },
  };
}

/** Every byte of the memory is in a free or external run, in order, with no gap. */
function expectAllUnmapped(os: WasmPageManager, memoryBytes: number): PageStateRun[] {
  expect(os.getMappings()).toEqual([]);
  expect(os.stats().mappedBytes).toBe(0);
  const runs = [...os.pageStates()];
  let at = 0;
  for (const run of runs) {
    expect(run.start).toBe(at);
    at = run.end;
  }
  expect(at).toBe(memoryBytes);
  return runs;
}

/** A fresh backend under one fault. */
interface SweepSubject {
  os: WasmPageManager;
  memory: TestMemory;
  /** Successful requests for fresh memory so far. */
  grows: () => number;
  /** The end of the memory the manager may use (the memory's end, or the guest's break). */
  end: () => number;
  /** Bytes below that end that are not the manager's (the guest's own heap). */
  external: number;
}

interface SweepResult {
  failAt: number;
  failedByFault: number;
  absorbed: string[];
}

/** Runs the sweep for fault numbers 1.. until a run where the fault never fires. */
function sweep(make: (fault: Fault) => SweepSubject): SweepResult[] {
  const results: SweepResult[] = [];
  for (let failAt = 1; ; failAt++) {
    const fault = new Fault(failAt);
    const { os, memory, grows, end, external } = make(fault);
    const run = runSweep(
      { os, pageSize: os.pageSize, memoryBytes: () => memory.buffer.byteLength },
      { beforeStep: () => fault.endStep(), fired: () => fault.fired && fault.failing },
    );
    expect(run.problems, `fault at call ${failAt}`).toEqual([]);
    const fired = fault.fired;
    fault.failing = false; // the checks below run with a healthy source
    unmapAll(os);
    const runs = expectAllUnmapped(os, end());
    const externalBytes = runs
      .filter((r) => r.state === "external")
      .reduce((sum, r) => sum + r.end - r.start, 0);
    expect(externalBytes, `fault at call ${failAt}: pages leaked to external`).toBe(external);
    // Every free page is usable again: one mapping of all of them needs no new memory.
    // Page 0, when ours, is never handed out (address 0 is NULL), and a mapping of
    // 2 MiB or more prefers 2 MiB alignment, so the check maps them in place.
    const reserved = runs[0]?.start === 0 && runs[0].state !== "external" ? os.pageSize : 0;
    const free = end() - external - reserved;
    const before = grows();
    if (free > 0) {
      os.dzmmap(end() - free, free, FIXED);
      expect(grows()).toBe(before);
    }
    if (!fired) return results;
    results.push({ failAt, failedByFault: run.failedByFault, absorbed: run.absorbed });
    expect(failAt).toBeLessThan(1000);
  }
}

/**
 * Each fault either failed its call with ENOMEM, or hit an mremap allowed to move
 * that then moved into free pages instead of growing in place (no failure to report).
 */
function expectEveryFaultAccountedFor(results: SweepResult[], moreThan: number): void {
  expect(results.length).toBeGreaterThan(moreThan);
  for (const result of results) {
    expect(result.absorbed.every((name) => /^mremap .*\(may move\)$/.test(name))).toBe(true);
    expect(result.failedByFault + result.absorbed.length, `fault at ${result.failAt}`).toBe(1);
  }
  expect(results.filter((r) => r.failedByFault === 1).length).toBeGreaterThan(results.length / 2);
}

describe.each([
  ["exact growth", "exact" as const],
  ["the default growth policy", undefined],
])(`fault sweep (seed ${SWEEP_SEED.toString(16)}, ${SWEEP_STEPS} calls), %s`, (_, growth) => {
  it(
    "memory.grow failing at every point: ENOMEM, nothing changed, no page leaked",
    { timeout: 60_000 },
    () => {
      const results = sweep((fault) => {
        const memory = newMemory(0, MAXIMUM_PAGES);
        const faulty = faultyMemory(memory, fault);
        const os = createWasmPageManager({
          memory: faulty,
          maximumBytes: MAXIMUM_PAGES * WASM_PAGE,
          growth,
        });
        return {
          os,
          memory,
          grows: () => fault.calls,
          end: () => memory.buffer.byteLength,
          external: 0,
        };
      });
      expectEveryFaultAccountedFor(results, growth === "exact" ? 5 : 0);
    },
  );

  it(
    "the guest's sbrk failing at every point: ENOMEM, nothing changed, no page leaked",
    { timeout: 60_000 },
    () => {
      const results = sweep((fault) => {
        const memory = newMemory(1, MAXIMUM_PAGES);
        const guest = new FakeSbrk(memory, 3 * 4096);
        const source: SbrkFunction = {
          sbrk: (increment) => (increment > 0 && fault.hit() ? -1 : guest.sbrk(increment)),
        };
        // No 2 MiB alignment: the final check maps all free pages (over 2 MiB once grown ahead) at once.
        const os = createWasmPageManager({
          memory,
          pageSize: 4096,
          source,
          growth,
          largeMappingAlignment: 4096,
        });
        return {
          os,
          memory,
          grows: () => guest.calls.filter((c) => c > 0).length,
          end: () => guest.brk,
          external: 3 * 4096,
        };
      });
      expectEveryFaultAccountedFor(results, growth === "exact" ? 5 : 0);
    },
  );
});
