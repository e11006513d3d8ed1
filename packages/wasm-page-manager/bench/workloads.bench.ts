/**
 * The SPEC section 6 workloads on the page manager, one full run per bench, with
 * the metrics the issue asks for printed beside vitest's timing:
 *   npx vitest bench --run bench/workloads.bench.ts   (from packages/wasm-page-manager)
 */
import { runWorkload, type WorkloadResult } from "@osal/conformance/workloads";
import { bench, describe } from "vitest";
import { createWasmPageManager } from "../src/index.js";

const STEPS = 20_000;
const SEED = 1;

function report(result: WorkloadResult): void {
  const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  console.log(
    `${result.workload}: completed=${result.completed}` +
      (result.failure ? ` failure=${JSON.stringify(result.failure)}` : "") +
      ` peakLive=${mib(result.peakLiveBytes)} MiB peakLinearMemory=${mib(result.peakFootprintBytes)} MiB` +
      ` ratio=${result.footprintRatio.toFixed(3)} failedCalls=${result.failedCalls}` +
      ` zeroed=${mib(result.zeroedBytes)} MiB operations=${result.operations}` +
      ` us/op=${result.usPerOperation.toFixed(2)}`,
  );
}

describe("workloads, 20 000 steps, seed 1", () => {
  bench(
    "zend (PHP zend_alloc: 2 MiB chunks, huge blocks truncated and extended in place)",
    () => report(runWorkload("zend", createWasmPageManager(), { steps: STEPS, seed: SEED })),
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
  bench(
    "sgen (Mono sgen: 1 MiB sections freed and remapped at random)",
    () => {
      const os = createWasmPageManager();
      const result = runWorkload("sgen", os, { steps: STEPS, seed: SEED });
      report(result);
      // Zeroed bytes are recycled pages only: a first-time page is never written.
      console.log(`sgen: zeroedBytes=${result.zeroedBytes} (all on recycled sections)`);
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});
