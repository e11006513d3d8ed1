import { createWasmPageManager } from "@osal/wasm-page-manager";
import { expect, it } from "vitest";
import type { StampingJob, StampingReport } from "./stamping.worker.js";

// Four Web Workers share one WebAssembly.Memory and one page table, as the
// threads of a multithreaded wasm runtime do. Shared memory needs a
// cross-origin isolated page: the project serves COOP/COEP headers.
const WORKERS = 4;
const OPERATIONS = 2500;
const PAGE = 4096;
const MAXIMUM_BYTES = 32 * 1024 * 1024;

function runWorker(job: StampingJob): Promise<StampingReport> {
  const worker = new Worker(new URL("./stamping.worker.ts", import.meta.url), { type: "module" });
  return new Promise<StampingReport>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<StampingReport>) => resolve(event.data);
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage(job);
  }).finally(() => worker.terminate());
}

it("the page is cross-origin isolated, so a shared memory can be posted to workers", () => {
  expect(crossOriginIsolated).toBe(true);
  const os = createWasmPageManager({ shared: true, pageSize: PAGE, maximumBytes: MAXIMUM_BYTES });
  expect(os.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
  expect(os.state).toBeInstanceOf(SharedArrayBuffer);
});

it(`${WORKERS} workers on one shared memory never hold the same page, and give everything back`, async () => {
  const os = createWasmPageManager({ shared: true, pageSize: PAGE, maximumBytes: MAXIMUM_BYTES });
  const { memory, state } = os;
  if (!(state instanceof SharedArrayBuffer))
    throw new Error("a shared page manager shares its state");
  const owners = new SharedArrayBuffer((MAXIMUM_BYTES / PAGE) * 4);
  const reports = await Promise.all(
    Array.from({ length: WORKERS }, (_, i) =>
      runWorker({
        memory,
        state,
        owners,
        id: i + 1,
        operations: OPERATIONS,
        seed: Math.imul(0x9e3779b1, i + 1),
      }),
    ),
  );
  for (const report of reports) {
    expect(report.problems).toEqual([]);
    expect(report.counts.map).toBeGreaterThan(OPERATIONS / 4);
    expect(report.counts.partial).toBeGreaterThan(OPERATIONS / 50);
  }
  // The workers grew the memory between them; this thread sees it grown.
  expect(reports.reduce((n, r) => n + r.counts.grow, 0)).toBeGreaterThan(0);
  expect(memory.buffer.byteLength).toBeGreaterThan(WORKERS * PAGE);
  // Everyone gave back everything: the shared page table says so to this thread.
  expect(os.getMappings()).toEqual([]);
  expect(os.stats().mappedBytes).toBe(0);
  expect(new Int32Array(owners).every((owner) => owner === 0)).toBe(true);
});
