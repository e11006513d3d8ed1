import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";

interface WorkerReport {
  problems: string[];
  serial: number;
}

function run(workerData: object): Promise<WorkerReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./fixtures/stamping-worker.mjs", import.meta.url), {
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
