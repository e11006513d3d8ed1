import type { WorkloadName, WorkloadResult, WorkloadSample } from "@osal/workloads";
import type { MemoryMap } from "../memory-map/memory-map.js";

/** How a runner executes a workload: a TypeScript client in this process, or a compiled C guest. */
export type RunnerKind = "ts" | "guest";

/** What one run of one workload is asked to do. */
export interface RunRequest {
  /** Workload steps to run. */
  readonly steps: number;
  /** Seed of the workload's pseudo-random choices. */
  readonly seed: number;
  /** Take a footprint sample every this many steps (the runner's default when omitted). */
  readonly sampleEvery?: number;
  /** Told now and then how many steps the run has done (for progress lines), where the runner can. */
  readonly onStep?: (step: number) => void;
}

/** What one run produced: the workload's result, its samples, and the memory map at the end. */
export interface RunOutcome {
  /** The workload's own report (completion, footprint, zeroing, failed calls, speed). */
  readonly result: WorkloadResult;
  /** Footprint and live bytes over the run, in step order; empty when the runner cannot sample. */
  readonly samples: readonly WorkloadSample[];
  /** The backend's memory map after the last step, when the runner can see it. */
  readonly finalMap?: MemoryMap;
  /**
   * True when the runner cannot see how many bytes were zeroed (a guest on its
   * libc's own `mmap`): tables then show `n/a` and JSON `null`, never a made-up 0.
   */
  readonly zeroedBytesUnknown?: boolean;
  /**
   * The granule the run's sizes were rounded to: the backend's page size, or
   * the `page=` a C guest aligns to (Note [Same workload bytes]); absent when
   * the run could not start.
   */
  readonly granuleBytes?: number;
}

/**
 * One row of a benchmark table: something that can run a workload and report
 * what it cost. A TypeScript client on a backend and a C guest on a backend (or
 * on a peer's own `mmap`) are both runners, so guests are just more rows.
 * `run` never throws for a workload failure: that is in `result.failure`.
 */
export interface Runner {
  /** Row name, unique within a bench: the backend name, or `guest@backend` for guests. */
  readonly name: string;
  /** TypeScript client or C guest. */
  readonly kind: RunnerKind;
  /** The backend or peer it runs on: what `--backends` selects by. */
  readonly backend: string;
  /** One line saying what this runner is, for listings and legends. */
  readonly description: string;
  /** True when its runs report the backend's memory map (`RunOutcome.finalMap`): what `osal maps` accepts. */
  readonly drawsMaps?: boolean;
  /** Runs `workload` on a fresh backend and reports the outcome. */
  run(workload: WorkloadName, request: RunRequest): Promise<RunOutcome>;
}
