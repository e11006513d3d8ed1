import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { WorkloadName } from "@osal/workloads";
import type { WorkloadFiles } from "../report/json-report.js";
import {
  type FootprintChart,
  type FootprintSeries,
  renderFootprintChart,
} from "../svg/footprint-chart.js";
import { renderMemoryMapChart } from "../svg/memory-map-chart.js";
import type { BenchReport, BenchTable } from "./run-bench.js";

/** The footprint chart of one workload's table: one line per runner, live bytes dashed. */
export function footprintChartOf(table: BenchTable, steps: number, seed: number): FootprintChart {
  const series: FootprintSeries[] = table.rows.map(({ runner, outcome }) => {
    const { result } = outcome;
    const points = outcome.samples.map((s) => [s.step, s.footprintBytes] as const);
    const note = result.completed
      ? undefined
      : `failed at step ${result.failure?.step ?? result.stepsDone}, ${result.failure?.code ?? "error"}`;
    return note === undefined ? { label: runner, points } : { label: runner, points, note };
  });
  const reference =
    table.rows.find((r) => r.outcome.result.completed && r.outcome.samples.length > 0) ??
    table.rows.find((r) => r.outcome.samples.length > 0);
  const chart: FootprintChart = {
    title: `${table.workload}: host footprint over ${steps} steps (seed ${seed})`,
    series,
  };
  if (reference === undefined) return chart;
  return {
    ...chart,
    live: {
      label: `live bytes (${reference.runner})`,
      points: reference.outcome.samples.map((s) => [s.step, s.liveBytes] as const),
    },
  };
}

/** A file name part made of the safe characters of `name` (`guest@wasm-page-manager` → `guest-wasm-page-manager`). */
export function fileSafe(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, "-");
}

/**
 * Writes into `outDir` (created if needed) `footprint-<workload>.svg` for each
 * workload and `map-<workload>-<runner>.svg` for each run that produced a memory
 * map. Returns the paths written, by workload.
 */
export async function writeBenchSvgs(
  report: BenchReport,
  outDir: string,
): Promise<Map<WorkloadName, WorkloadFiles>> {
  await mkdir(outDir, { recursive: true });
  const files = new Map<WorkloadName, WorkloadFiles>();
  for (const table of report.tables) {
    const chart = join(outDir, `footprint-${table.workload}.svg`);
    await writeFile(
      chart,
      renderFootprintChart(footprintChartOf(table, report.steps, report.seed)),
    );
    const maps: Record<string, string> = {};
    for (const row of table.rows) {
      if (row.outcome.finalMap === undefined) continue;
      const path = join(outDir, `map-${table.workload}-${fileSafe(row.runner)}.svg`);
      await writeFile(path, renderMemoryMapChart(row.outcome.finalMap));
      maps[row.runner] = path;
    }
    files.set(table.workload, { chart, maps });
  }
  return files;
}
