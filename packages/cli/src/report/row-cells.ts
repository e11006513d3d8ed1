import { formatBytes } from "@osal/core";
import type { WorkloadResult } from "@osal/workloads";
import type { WorkloadBytes } from "./workload-bytes.js";

/** Column headings of a bench table, in order. */
export const tableColumns: readonly string[] = [
  "backend / peer",
  "kind",
  "granule",
  "completes",
  "peak footprint ÷ workload peak",
  "bytes zeroed",
  "failed calls",
  "µs / op",
];

/** How a row compares with the others of its table (Note [Same workload bytes]). */
export interface RowComparison {
  /** The run's granule; absent when it could not start. */
  readonly granuleBytes?: number;
  /** The workload bytes every row of this kind is measured against. */
  readonly reference?: WorkloadBytes;
}

/**
 * The table cells for one run, in {@link tableColumns} order. The JSON output
 * carries the same figures. `zeroedKnown` false (a peer's libc) shows `n/a`.
 */
export function rowCells(
  runner: string,
  kind: string,
  result: WorkloadResult,
  zeroedKnown = true,
  comparison: RowComparison = {},
): string[] {
  return [
    runner,
    kind,
    granuleCell(comparison),
    completionCell(result),
    ratioCell(result, comparison.reference),
    zeroedKnown ? formatBytes(result.zeroedBytes) : "n/a",
    String(result.failedCalls),
    usPerOperationCell(result),
  ];
}

/** `64 KiB`, with `, rounds` when coarser than the reference's granule; `–` for a run that never started. */
export function granuleCell({ granuleBytes, reference }: RowComparison): string {
  if (granuleBytes === undefined) return "–";
  const rounds = reference !== undefined && granuleBytes > reference.granuleBytes;
  return `${formatBytes(granuleBytes)}${rounds ? ", rounds" : ""}`;
}

/**
 * The figures of a run that compare with other rows: `null` when the run
 * failed (its footprint and speed cover a different, shorter workload) or
 * nothing was measured (nothing live, no operation). Tables print `–`, JSON
 * `null`; never a made-up 0. The ratio is over `reference` (the table's
 * workload bytes) when given, else over the run's own live peak.
 */
export function comparableFigures(
  result: WorkloadResult,
  reference?: WorkloadBytes,
): {
  readonly footprintRatio: number | null;
  readonly usPerOperation: number | null;
} {
  const usable = result.completed;
  const live = reference?.peakBytes ?? result.peakLiveBytes;
  return {
    footprintRatio: usable && live > 0 ? result.peakFootprintBytes / live : null,
    usPerOperation: usable && result.operations > 0 ? result.usPerOperation : null,
  };
}

/** µs per operation with one decimal, `–` for a failed run or one without operations. */
export function usPerOperationCell(result: WorkloadResult): string {
  const { usPerOperation } = comparableFigures(result);
  return usPerOperation === null ? "–" : usPerOperation.toFixed(1);
}

/** `yes`, or `no: step N, CODE` for a run that stopped (the message goes in a note under the table). */
export function completionCell(result: WorkloadResult): string {
  if (result.completed) return "yes";
  const failure = result.failure;
  return `no: step ${failure?.step ?? result.stepsDone}, ${failure?.code ?? "error"}`;
}

/**
 * `1.30× (196 MiB / 151 MiB)`: peak host footprint over the workload bytes
 * (`reference`, else the run's own live peak); `–` for a failed run or when
 * nothing was live.
 */
export function ratioCell(result: WorkloadResult, reference?: WorkloadBytes): string {
  const { footprintRatio } = comparableFigures(result, reference);
  if (footprintRatio === null) return "–";
  const live = reference?.peakBytes ?? result.peakLiveBytes;
  return `${formatRatio(footprintRatio)}× (${formatBytes(result.peakFootprintBytes)} / ${formatBytes(live)})`;
}

/** A ratio with two decimals, or two significant digits below 0.1 (`0.0029`). */
export function formatRatio(ratio: number): string {
  if (ratio === 0) return "0";
  return ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2);
}
