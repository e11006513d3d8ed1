import type { WorkloadName } from "@osal/workloads";
import type { BenchReport } from "../bench/run-bench.js";
import type { RunnerKind } from "../runners/runner.js";

/** One row of the JSON output: the figures behind a table row. */
export interface BenchJsonRow {
  readonly runner: string;
  readonly kind: RunnerKind;
  readonly completed: boolean;
  readonly stepsDone: number;
  readonly failure: { step: number; code?: string; message: string } | null;
  readonly peakLiveBytes: number;
  readonly peakFootprintBytes: number;
  readonly footprintRatio: number;
  /** `null` when the runner cannot see zeroing (a peer's libc). */
  readonly zeroedBytes: number | null;
  readonly failedCalls: number;
  readonly operations: number;
  readonly elapsedMs: number;
  readonly usPerOperation: number;
}

/** What `osal bench --json` prints: the tables as data, and the files written. */
export interface BenchJson {
  readonly steps: number;
  readonly seed: number;
  readonly outDir: string;
  readonly workloads: readonly {
    readonly workload: WorkloadName;
    readonly rows: readonly BenchJsonRow[];
    readonly chart: string;
    readonly maps: Readonly<Record<string, string>>;
  }[];
}

/** Files written for one workload: its chart and a map per runner that had one. */
export interface WorkloadFiles {
  readonly chart: string;
  readonly maps: Readonly<Record<string, string>>;
}

/** The JSON form of a bench: same rows and figures as the tables, plus the SVG paths. */
export function benchJson(
  report: BenchReport,
  outDir: string,
  files: ReadonlyMap<WorkloadName, WorkloadFiles>,
): BenchJson {
  return {
    steps: report.steps,
    seed: report.seed,
    outDir,
    workloads: report.tables.map((table) => ({
      workload: table.workload,
      rows: table.rows.map(({ runner, kind, outcome: { result, zeroedBytesUnknown } }) => ({
        runner,
        kind,
        completed: result.completed,
        stepsDone: result.stepsDone,
        failure: result.failure ?? null,
        peakLiveBytes: result.peakLiveBytes,
        peakFootprintBytes: result.peakFootprintBytes,
        footprintRatio: result.footprintRatio,
        zeroedBytes: zeroedBytesUnknown === true ? null : result.zeroedBytes,
        failedCalls: result.failedCalls,
        operations: result.operations,
        elapsedMs: result.elapsedMs,
        usPerOperation: result.usPerOperation,
      })),
      chart: files.get(table.workload)?.chart ?? "",
      maps: files.get(table.workload)?.maps ?? {},
    })),
  };
}
