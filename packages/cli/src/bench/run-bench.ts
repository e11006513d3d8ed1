import type { WorkloadName, WorkloadResult } from "@osal/workloads";
import type { Runner, RunnerKind, RunOutcome } from "../runners/runner.js";
import { collectGarbage, DEFAULT_MEMORY_CAP, withMemoryCap } from "./memory-cap.js";

/** What `runBench` runs. */
export interface BenchPlan {
  /** Workloads, in table order. */
  readonly workloads: readonly WorkloadName[];
  /** Runners (rows), in table order. */
  readonly runners: readonly Runner[];
  /** Steps per run. */
  readonly steps: number;
  /** Seed of every run (same seed, same calls on every runner). */
  readonly seed: number;
  /** Most bytes any run's linear memory may grow to (default {@link DEFAULT_MEMORY_CAP}; Note [Bench memory]). */
  readonly memoryCapBytes?: number;
  /** Told before each run starts: runs done so far, total runs, and what starts now. */
  readonly onProgress?: (done: number, total: number, label: string) => void;
  /** Told now and then during a run how many of its steps are done (where the runner can tell). */
  readonly onStep?: (step: number, steps: number) => void;
}

/** One row of a workload's table: a runner's outcome. */
export interface BenchRow {
  /** Runner name. */
  readonly runner: string;
  /** TypeScript client or C guest. */
  readonly kind: RunnerKind;
  /** What the run produced. */
  readonly outcome: RunOutcome;
}

/** One workload's table. */
export interface BenchTable {
  readonly workload: WorkloadName;
  readonly rows: readonly BenchRow[];
}

/** Everything a bench produced, in table order. */
export interface BenchReport {
  readonly steps: number;
  readonly seed: number;
  /** The linear-memory cap every run had. */
  readonly memoryCapBytes: number;
  readonly tables: readonly BenchTable[];
}

/**
 * Runs every workload on every runner, one after the other (runs are timed, so
 * never concurrently), and collects the outcomes by workload. A runner that
 * throws (it could not start: a guest whose build is missing, a backend that
 * refuses its options) becomes a failed row at step 0 with the error's message,
 * so one broken runner never hides the others. Each run's linear memory is
 * capped, and garbage is collected after each run (Note [Bench memory]).
 */
export async function runBench(plan: BenchPlan): Promise<BenchReport> {
  const total = plan.workloads.length * plan.runners.length;
  const memoryCapBytes = plan.memoryCapBytes ?? DEFAULT_MEMORY_CAP;
  let done = 0;
  const tables: BenchTable[] = [];
  for (const workload of plan.workloads) {
    const rows: BenchRow[] = [];
    for (const runner of plan.runners) {
      plan.onProgress?.(done, total, `${workload} on ${runner.name}`);
      const outcome = await withMemoryCap(memoryCapBytes, () => runSafely(runner, workload, plan));
      collectGarbage();
      rows.push({ runner: runner.name, kind: runner.kind, outcome });
      done++;
    }
    tables.push({ workload, rows });
  }
  return { steps: plan.steps, seed: plan.seed, memoryCapBytes, tables };
}

async function runSafely(
  runner: Runner,
  workload: WorkloadName,
  plan: BenchPlan,
): Promise<RunOutcome> {
  try {
    const onStep = plan.onStep;
    return await runner.run(workload, {
      steps: plan.steps,
      seed: plan.seed,
      ...(onStep === undefined ? {} : { onStep: (step: number) => onStep(step, plan.steps) }),
    });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return {
      result: notStarted(workload, message, typeof code === "string" ? code : undefined),
      samples: [],
    };
  }
}

/** The result of a run that could not start. */
function notStarted(
  workload: WorkloadName,
  message: string,
  code: string | undefined,
): WorkloadResult {
  return {
    workload,
    completed: false,
    stepsDone: 0,
    failure: code === undefined ? { step: 0, message } : { step: 0, code, message },
    peakLiveBytes: 0,
    peakFootprintBytes: 0,
    footprintRatio: 0,
    zeroedBytes: 0,
    failedCalls: 0,
    operations: 0,
    elapsedMs: 0,
    usPerOperation: 0,
  };
}
