import { memoryCalls } from "@osal/core";
import type { WorkloadName, WorkloadResult } from "@osal/workloads";

/**
 * The figures a C guest prints on its `OSAL-RESULT` line (`@osal/wasm-guest`'s
 * `GuestResult`), as far as the bench reads them.
 */
export interface GuestFigures {
  readonly status: string;
  readonly completedSteps: number;
  readonly liveBytes: number;
  readonly peakLiveBytes: number;
  readonly peakMemoryBytes: number;
  readonly calls: Readonly<Record<string, number>>;
  readonly failedCalls: Readonly<Record<string, number>>;
  readonly message: string;
}

/** The errno-style code a guest's stop status stands for in tables. */
const statusCodes: Readonly<Record<string, string>> = {
  "out-of-memory": "ENOMEM",
  "call-failed": "call-failed",
  "check-failed": "check-failed",
};

/**
 * The code of a guest's stop: a failed call's Linux errno name, which the
 * guest's message carries (`mmap failed with ENOMEM (Out of memory)`: the
 * guests print Linux's names, never WASI numbers), else the status's code.
 */
export function guestStopCode(status: string, message: string): string {
  if (status === "call-failed") {
    const named = /\bfailed with (E[A-Z0-9]+)\b/.exec(message);
    if (named !== null) return named[1]!;
  }
  return statusCodes[status] ?? status;
}

/**
 * A guest's result in the shape of a TypeScript run's, so both are rows of one
 * table: footprint is the guest's peak linear memory (everything the host gave
 * the instance), operations are its mmap-family calls, and time per operation is
 * `elapsedMs` (the workload's wall time, without compiling and instantiating the
 * guest: see the guest runner) over those calls.
 * `zeroedBytes` comes from the osal backend behind the guest (0 when there is
 * none: a peer's libc cannot be asked, which the row says separately).
 */
export function guestWorkloadResult(
  workload: WorkloadName,
  figures: GuestFigures,
  elapsedMs: number,
  zeroedBytes: number,
): WorkloadResult {
  const operations = sum(figures.calls);
  const completed = figures.status === "ok";
  const result: WorkloadResult = {
    workload,
    completed,
    stepsDone: figures.completedSteps,
    peakLiveBytes: figures.peakLiveBytes,
    peakFootprintBytes: figures.peakMemoryBytes,
    footprintRatio: figures.peakLiveBytes > 0 ? figures.peakMemoryBytes / figures.peakLiveBytes : 0,
    zeroedBytes,
    failedCalls: sum(figures.failedCalls),
    operations,
    elapsedMs,
    usPerOperation: operations > 0 ? (elapsedMs * 1000) / operations : 0,
  };
  if (!completed) {
    result.failure = {
      step: figures.completedSteps,
      code: guestStopCode(figures.status, figures.message),
      message: figures.message,
    };
  }
  return result;
}

function sum(counts: Readonly<Record<string, number>>): number {
  return memoryCalls.reduce((total, call) => total + (counts[call] ?? 0), 0);
}
