import type { BenchRow, BenchTable } from "../bench/run-bench.js";
import type { RunnerKind } from "../runners/runner.js";

/**
 * Note [Same workload bytes]
 *
 * A backend rounds every size a workload asks for up to its granule (its page
 * size; for a C guest the `page=` it is told to align to), and the workloads
 * make their choices (caps, commit units, chunk sizes) in rounded bytes, as the
 * runtimes they model do on such an OS. So the live bytes of one workload
 * differ per backend: CoreCLR's 16 KiB commits become 1 MiB megablocks on
 * ghc-megablock (96 MiB live at the cap instead of 21 MiB). A ratio over each
 * row's own live peak then compares different workloads.
 *
 * Every row of a table is therefore measured against one figure per kind of
 * client (TypeScript or C guest): the workload's peak live bytes on the finest
 * granule that kind ran on (4 KiB for TypeScript, mock-unix: no rounding past the
 * workload's own sizes), from a completed run. A row with a coarser granule
 * runs the same workload with its sizes rounded up, and the table says so in
 * its granule column (`1 MiB, rounds`); the footprint it costs is then in its
 * ratio, where it belongs. Each row's own live peak stays in the JSON.
 * Rejected: making every backend map exactly the same bytes (a 4 KiB request
 * cannot become 4 KiB on a 1 MiB granule), and rounding the workloads to the
 * coarsest granule everywhere (it would turn a 4 KiB-page workload into a
 * megablock one on every backend).
 */

/** The bytes a kind of row is compared against, and the granule they were measured on. */
export interface WorkloadBytes {
  /** Peak live bytes of the reference run. */
  readonly peakBytes: number;
  /** The reference run's granule. */
  readonly granuleBytes: number;
}

/**
 * Per kind of row, the table's reference workload bytes (Note [Same workload
 * bytes]): the smallest peak live among completed rows of the finest granule.
 * Absent when no row of that kind completed.
 */
export function referenceBytes(table: BenchTable): ReadonlyMap<RunnerKind, WorkloadBytes> {
  const out = new Map<RunnerKind, WorkloadBytes>();
  for (const row of table.rows) {
    const { result, granuleBytes } = row.outcome;
    if (!result.completed || result.peakLiveBytes === 0 || granuleBytes === undefined) continue;
    const best = out.get(row.kind);
    if (
      best === undefined ||
      granuleBytes < best.granuleBytes ||
      (granuleBytes === best.granuleBytes && result.peakLiveBytes < best.peakBytes)
    ) {
      out.set(row.kind, { peakBytes: result.peakLiveBytes, granuleBytes });
    }
  }
  return out;
}

/** What a row is compared against, or `undefined`. */
export function referenceFor(
  references: ReadonlyMap<RunnerKind, WorkloadBytes>,
  row: BenchRow,
): WorkloadBytes | undefined {
  return references.get(row.kind);
}
