import { formatBytes } from "@osal/core";
import type { ScalingReport } from "../bench/scaling.js";

/** Thousands grouped with a thin space: `60 000`. */
function grouped(n: number): string {
  return Math.round(n)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

/**
 * The scaling figures as text: the pair table (µs per pair and pairs per second
 * per table size), the slowdown, the pair's cost over the memset of its bytes,
 * and the table-build time with its `memory.grow` share and what growth ahead
 * left unmapped.
 */
export function formatScaling(report: ScalingReport): string {
  const pairBytes = report.pairPages * report.pageSize;
  const out: string[] = [
    `map+unmap scaling (${report.backend}, ${formatBytes(report.pageSize)} pages, ` +
      `${report.pairPages}-page pairs, a 1-page hole every 16th page; medians)`,
  ];
  const rows = report.pairs.map((p) => [
    grouped(p.livePages),
    p.usPerPair.toFixed(2),
    grouped(p.pairsPerSecond),
  ]);
  const headings = ["live pages", "µs / pair", "pairs / s"];
  const widths = headings.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  out.push(line(headings), widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of rows) out.push(line(row));
  const last = report.pairs[report.pairs.length - 1];
  const first = report.pairs[0];
  if (first !== undefined && last !== undefined) {
    out.push(
      `slowdown ${grouped(first.livePages)} → ${grouped(last.livePages)} live pages: ${report.slowdown.toFixed(2)}×; ` +
        `hot memset of a pair's ${formatBytes(pairBytes)}: ${report.memsetUsPerPair.toFixed(2)} µs ` +
        `(pair ÷ memset at ${grouped(last.livePages)}: ${(last.usPerPair / report.memsetUsPerPair).toFixed(2)}×)`,
    );
  }
  const build = report.tableBuild;
  const share = build.ms > 0 ? (100 * build.growMs) / build.ms : 0;
  const ahead =
    build.mappedBytes > 0 ? (100 * (build.memoryBytes - build.mappedBytes)) / build.mappedBytes : 0;
  out.push(
    `table build: ${grouped(build.mappings)} one-page mappings call by call in ${grouped(build.ms)} ms, ` +
      `memory.grow ${grouped(build.growMs)} ms (${share.toFixed(0)} %) in ${grouped(build.grows)} grows; ` +
      `linear memory ${formatBytes(build.memoryBytes)} for ${formatBytes(build.mappedBytes)} mapped (+${ahead.toFixed(1)} %)`,
  );
  return `${out.join("\n")}\n`;
}
