import { formatBytes, KiB, MiB } from "@osal/core";
import { runWorkload } from "@osal/workloads";
import { bench, describe } from "vitest";
import { createGhcMegablock } from "../src/index.js";
import { watchFirstTimeZeroing } from "./first-time-zeroing.js";

/**
 * The ghc and zend workloads (SPEC section 6) on ghc-megablock. Before timing,
 * one measured run per workload and megablock size prints its figures and
 * checks the issue's targets: both complete, zend's peak linear memory is at
 * most 1.5 x its peak live bytes, and no first-time megablock is zeroed.
 * Run: `npx vitest bench --run` in packages/ghc-megablock.
 */

const STEPS = 5000;
const SEED = 1;
const TIMED_STEPS = 1000;

for (const megablockSize of [MiB, 64 * KiB]) {
  for (const name of ["ghc", "zend"] as const) {
    const watched = watchFirstTimeZeroing(createGhcMegablock({ megablockSize }));
    const result = runWorkload(name, watched.os, { steps: STEPS, seed: SEED });
    const label = `${name} (${formatBytes(megablockSize)} megablocks, ${STEPS} steps, seed ${SEED})`;
    console.log(
      [
        label,
        `  completed ${result.completed}${result.failure ? ` (${result.failure.message})` : ""}`,
        `  peak live ${formatBytes(result.peakLiveBytes)}, peak linear memory ${formatBytes(result.peakFootprintBytes)}, ratio ${result.footprintRatio.toFixed(3)}`,
        `  zeroed ${formatBytes(result.zeroedBytes)}; handed out first-time ${formatBytes(watched.result.firstTimeBytes)}, reused ${formatBytes(watched.result.reusedBytes)}; zeroed on first-time megablocks ${watched.result.firstTimeZeroedBytes} B`,
        `  ${result.operations} operations, ${result.failedCalls} failed calls (in-place mremap refused with ENOMEM, as declared)`,
      ].join("\n"),
    );
    const problems: string[] = [];
    if (!result.completed) problems.push("did not complete");
    if (name === "zend" && result.footprintRatio > 1.5) problems.push("footprint ratio above 1.5");
    if (watched.result.firstTimeZeroedBytes !== 0) problems.push("zeroed first-time megablocks");
    if (problems.length > 0) throw new Error(`${label}: ${problems.join(", ")}`);
  }
}

describe("ghc-megablock workloads", () => {
  for (const name of ["ghc", "zend"] as const) {
    bench(
      `${name}, ${TIMED_STEPS} steps, 1 MiB megablocks`,
      () => {
        const result = runWorkload(name, createGhcMegablock(), { steps: TIMED_STEPS, seed: SEED });
        if (!result.completed) throw new Error(`${name} failed: ${result.failure?.message}`);
      },
      { iterations: 5, time: 0, warmupIterations: 1, warmupTime: 0 },
    );
  }
});
