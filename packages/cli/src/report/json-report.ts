import type { WorkloadName } from "@osal/workloads";
import type { BenchReport } from "../bench/run-bench.js";
import type { ScalingReport } from "../bench/scaling.js";
import type { RunnerKind } from "../runners/runner.js";
import { comparableFigures } from "./row-cells.js";
import { referenceBytes } from "./workload-bytes.js";

/** One row of the JSON output: the figures behind a table row. */
export interface BenchJsonRow {
  readonly runner: string;
  readonly kind: RunnerKind;
  readonly completed: boolean;
  readonly stepsDone: number;
  readonly failure: { step: number; code?: string; message: string } | null;
  /** The granule the run's sizes were rounded to (backend page or guest `page=`); `null` if it never started. */
  readonly granuleBytes: number | null;
  /** This run's own peak live bytes (rounded to its granule). */
  readonly peakLiveBytes: number;
  /** The workload bytes every row of this kind is compared against (Note [Same workload bytes]); `null` when no run of the kind completed. */
  readonly workloadPeakBytes: number | null;
  /** The granule the workload bytes were measured on; `null` with `workloadPeakBytes`. */
  readonly workloadGranuleBytes: number | null;
  readonly peakFootprintBytes: number;
  /** `peakFootprintBytes / workloadPeakBytes`; `null` for a failed run or when nothing was live. */
  readonly footprintRatio: number | null;
  /** `null` when the runner cannot see zeroing (a peer's libc). */
  readonly zeroedBytes: number | null;
  readonly failedCalls: number;
  readonly operations: number;
  /** Wall time of the workload (never the guest's compiling and instantiation). */
  readonly elapsedMs: number;
  /** `elapsedMs * 1000 / operations`; `null` for a failed run or one without operations. */
  readonly usPerOperation: number | null;
}

/**
 * What `osal bench --json` prints: the tables as data, the scaling figures and
 * the files written. The CLI README documents it field by field and
 * `bench-schema.json` states it as a JSON Schema.
 */
export interface BenchJson {
  /** The command that produced it (`osal bench --steps 2000 --json`). */
  readonly command: string;
  readonly steps: number;
  readonly seed: number;
  /** The linear-memory cap every run had, in bytes. */
  readonly memoryCapBytes: number;
  readonly outDir: string;
  readonly workloads: readonly {
    readonly workload: WorkloadName;
    readonly rows: readonly BenchJsonRow[];
    readonly chart: string;
    readonly maps: Readonly<Record<string, string>>;
  }[];
  /** The page manager's scaling figures; `null` with `--no-scaling`. */
  readonly scaling: ScalingReport | null;
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
  command: string,
  scaling: ScalingReport | null,
): BenchJson {
  return {
    command,
    steps: report.steps,
    seed: report.seed,
    memoryCapBytes: report.memoryCapBytes,
    outDir,
    workloads: report.tables.map((table) => ({
      workload: table.workload,
      rows: table.rows.map(({ runner, kind, outcome }) => {
        const { result, zeroedBytesUnknown, granuleBytes } = outcome;
        const reference = referenceBytes(table).get(kind);
        const figures = comparableFigures(result, reference);
        return {
          runner,
          kind,
          completed: result.completed,
          stepsDone: result.stepsDone,
          failure: result.failure ?? null,
          granuleBytes: granuleBytes ?? null,
          peakLiveBytes: result.peakLiveBytes,
          workloadPeakBytes: reference?.peakBytes ?? null,
          workloadGranuleBytes: reference?.granuleBytes ?? null,
          peakFootprintBytes: result.peakFootprintBytes,
          footprintRatio: figures.footprintRatio,
          zeroedBytes: zeroedBytesUnknown === true ? null : result.zeroedBytes,
          failedCalls: result.failedCalls,
          operations: result.operations,
          elapsedMs: result.elapsedMs,
          usPerOperation: figures.usPerOperation,
        };
      }),
      chart: files.get(table.workload)?.chart ?? "",
      maps: files.get(table.workload)?.maps ?? {},
    })),
    scaling,
  };
}
