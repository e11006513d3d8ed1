import { formatBytes } from "@osal/core";
import type { WorkloadResult } from "@osal/workloads";

/** Column headings of a bench table, in order. */
export const tableColumns: readonly string[] = [
  "backend / peer",
  "kind",
  "completes",
  "peak footprint ÷ peak live",
  "bytes zeroed",
  "failed calls",
  "µs / op",
];

/**
 * The table cells for one run, in {@link tableColumns} order. The JSON output
 * carries the same figures. `zeroedKnown` false (a peer's libc) shows `n/a`.
 */
export function rowCells(
  runner: string,
  kind: string,
  result: WorkloadResult,
  zeroedKnown = true,
): string[] {
  return [
    runner,
    kind,
    completionCell(result),
    ratioCell(result),
    zeroedKnown ? formatBytes(result.zeroedBytes) : "n/a",
    String(result.failedCalls),
    result.operations > 0 ? result.usPerOperation.toFixed(1) : "–",
  ];
}

/** `yes`, or `no: step N, CODE` for a run that stopped (the message goes in a note under the table). */
export function completionCell(result: WorkloadResult): string {
  if (result.completed) return "yes";
  const failure = result.failure;
  return `no: step ${failure?.step ?? result.stepsDone}, ${failure?.code ?? "error"}`;
}

/** `1.30× (196 MiB / 151 MiB)`: peak host footprint over peak live bytes; `–` when nothing was live. */
export function ratioCell(result: WorkloadResult): string {
  if (result.peakLiveBytes === 0) return "–";
  return `${formatRatio(result.footprintRatio)}× (${formatBytes(result.peakFootprintBytes)} / ${formatBytes(result.peakLiveBytes)})`;
}

/** A ratio with two decimals, or two significant digits below 0.1 (`0.0029`). */
export function formatRatio(ratio: number): string {
  if (ratio === 0) return "0";
  return ratio >= 0.1 ? ratio.toFixed(2) : ratio.toPrecision(2);
}
