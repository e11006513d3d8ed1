import { Worker } from "node:worker_threads";
import { MmapProtection, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";

interface WorkerReport {
  problems: string[];
  serial: number;
}

interface ZeroingReport {
  problems: string[];
  zeroedBytes: number;
}

function run(workerData: object): Promise<WorkerReport> {
  return runFixture("stamping-worker.mjs", workerData);
}

function runFixture<T>(fixture: string, workerData: object): Promise<T> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL(`./fixtures/${fixture}`, import.meta.url), {
      workerData,
    });
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}`));
    });
  });
}

describe("two workers on one shared memory", () => {
  it("never hand the same page to both, and agree on the page table", async () => {
    const os = createWasmPageManager({
      shared: true,
      pageSize: 4096,
      maximumBytes: 64 * 1024 * 1024,
    });
    const { memory, state } = os;
    expect(state).toBeInstanceOf(SharedArrayBuffer);
    const reports = await Promise.all(
      [1, 2].map((id) => run({ memory, state, id, operations: 3000, seed: id * 7919 })),
    );
    for (const report of reports) {
      expect(report.problems).toEqual([]);
      expect(report.serial).toBeGreaterThan(1000);
    }
    // Both unmapped everything they held: the shared page table says so too.
    expect(os.getMappings()).toEqual([]);
    expect(os.stats().mappedBytes).toBe(0);
  });

  it("never hand the same page to both when each grows the shared memory a step ahead", async () => {
    const os = createWasmPageManager({
      shared: true,
      pageSize: 4096,
      maximumBytes: 64 * 1024 * 1024,
    });
    const { memory, state } = os;
    const growth = { ratio: 0.25, minimumStep: 256 * 1024, maximumStep: 1024 * 1024 };
    const reports = await Promise.all(
      [1, 2].map((id) => run({ memory, state, id, operations: 3000, seed: id * 104729, growth })),
    );
    for (const report of reports) {
      expect(report.problems).toEqual([]);
      expect(report.serial).toBeGreaterThan(1000);
    }
    expect(os.getMappings()).toEqual([]);
    // What the workers grew ahead is free (none of it leaked to external).
    const external = os.pageStates().filter((run) => run.state === "external");
    expect(external).toEqual([]);
  });

  it("share pending zeroing: one quarantines without writing, the other opens and zeroes once", async () => {
    const os = createWasmPageManager({
      shared: true,
      pageSize: 4096,
      maximumBytes: 16 * 1024 * 1024,
    });
    const { memory, state } = os;
    const size = 8 * os.pageSize;
    const address = os.dzmmapAnywhere(size, os.pageSize, MmapStrategy.DEFAULT);
    os.fill(address, size, 0x5a);
    const quarantine = await runFixture<ZeroingReport>("zeroing-worker.mjs", {
      memory,
      state,
      role: "quarantine",
      address,
      size,
    });
    expect(quarantine).toEqual({ problems: [], zeroedBytes: 0 });
    // Nothing was written: the old bytes are still in the shared memory.
    const raw = new Uint8Array(memory.buffer, address, size);
    expect(raw.every((b) => b === 0x5a)).toBe(true);
    const open = await runFixture<ZeroingReport>("zeroing-worker.mjs", {
      memory,
      state,
      role: "open",
      address,
      size,
    });
    expect(open).toEqual({ problems: [], zeroedBytes: size });
    // The first manager sees the opened range too, and owes it no more zeroing.
    expect(os.read(address, size).every((b) => b === 0)).toBe(true);
    os.setMemoryAccess(address, size, MmapProtection.ReadWrite);
    expect(os.stats().zeroedBytes).toBe(0);
  });

  it("refuses to attach to something that is not a state, or without the shared memory", () => {
    const os = createWasmPageManager({ shared: true, maximumBytes: 1024 * 1024 });
    expect(() =>
      createWasmPageManager({ memory: os.memory, shared: { state: new SharedArrayBuffer(64) } }),
    ).toThrow(/EINVAL/);
    expect(() =>
      createWasmPageManager({ shared: { state: os.state as SharedArrayBuffer } }),
    ).toThrow(/EINVAL/);
  });
});
