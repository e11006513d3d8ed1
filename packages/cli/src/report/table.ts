import { formatBytes } from "@osal/core";
import type { BenchReport, BenchTable } from "../bench/run-bench.js";
import { rowCells, tableColumns } from "./row-cells.js";
import { referenceBytes } from "./workload-bytes.js";

/**
 * One workload's table as text: a heading, aligned columns (numbers right-aligned),
 * and under it one note per failed run with the full error message.
 */
export function formatBenchTable(table: BenchTable, steps: number, seed: number): string {
  const references = referenceBytes(table);
  const rows = table.rows.map((row) =>
    rowCells(row.runner, row.kind, row.outcome.result, row.outcome.zeroedBytesUnknown !== true, {
      ...(row.outcome.granuleBytes === undefined ? {} : { granuleBytes: row.outcome.granuleBytes }),
      ...(references.has(row.kind) ? { reference: references.get(row.kind)! } : {}),
    }),
  );
  const widths = tableColumns.map((heading, i) =>
    Math.max(heading.length, ...rows.map((cells) => cells[i]!.length)),
  );
  const rightAligned = new Set([5, 6, 7]);
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  const out: string[] = [`${table.workload} (${steps} steps, seed ${seed})`];
  out.push(line(tableColumns));
  out.push(widths.map((w) => "-".repeat(w)).join("  "));
  for (const cells of rows) out.push(line(cells));
  for (const [kind, reference] of references) {
    out.push(
      `  workload peak (${kind === "ts" ? "TypeScript clients" : "C guests"}): ${formatBytes(reference.peakBytes)} live on a ${formatBytes(reference.granuleBytes)} granule; ` +
        "a coarser granule rounds the workload's sizes up",
    );
  }
  for (const row of table.rows) {
    const failure = row.outcome.result.failure;
    if (failure) out.push(`  ${row.runner}: ${failure.message}`);
  }
  return `${out.join("\n")}\n`;
}

/** Every workload's table, separated by blank lines. */
export function formatBenchReport(report: BenchReport): string {
  return report.tables.map((t) => formatBenchTable(t, report.steps, report.seed)).join("\n");
}
