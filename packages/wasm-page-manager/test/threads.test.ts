import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";

// Four workers on one shared memory run a seeded mix of every call (see
// fixtures/mixed-worker.mjs). 100 000 operations in total when `CI` is set,
// 10 000 locally; the seeds are 0x9e3779b1 * (worker id).
const TOTAL_OPERATIONS = process.env.CI ? 100_000 : 10_000;
const WORKERS = 4;
const MAXIMUM_BYTES = 64 * 1024 * 1024;
const PAGE = 4096;

interface MixedReport {
  problems: string[];
  counts: Record<string, number>;
}

function runWorker(workerData: object): Promise<MixedReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL("./fixtures/mixed-worker.mjs", import.meta.url), {
      workerData,
    });
    worker.once("message", resolve);
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`worker exited with ${code}`));
    });
  });
}

describe(`${WORKERS} workers on one shared memory`, () => {
  it(`never hand a page to two workers across ${TOTAL_OPERATIONS} mixed operations`, async () => {
    const os = createWasmPageManager({ shared: true, pageSize: PAGE, maximumBytes: MAXIMUM_BYTES });
    const { memory, state } = os;
    const owners = new SharedArrayBuffer((MAXIMUM_BYTES / PAGE) * 4);
    const reports = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) =>
        runWorker({
          memory,
          state,
          owners,
          id: i + 1,
          operations: TOTAL_OPERATIONS / WORKERS,
          seed: Math.imul(0x9e3779b1, i + 1),
        }),
      ),
    );
    for (const report of reports) {
      expect(report.problems).toEqual([]);
      // Every kind of call was made, and made often.
      for (const kind of ["map", "unmap", "partial", "remap", "fixed", "noreplace", "quarantine"]) {
        expect(report.counts[kind]).toBeGreaterThan(TOTAL_OPERATIONS / WORKERS / 100);
      }
    }
    // Everyone gave back everything: no mapping, no page claimed.
    expect(os.getMappings()).toEqual([]);
    expect(os.stats().mappedBytes).toBe(0);
    expect(new Int32Array(owners).every((owner) => owner === 0)).toBe(true);
    expect(os.pageStates().every((run) => run.state !== "external")).toBe(true);
  }, 120_000);
});
