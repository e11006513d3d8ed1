import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileSafe } from "../bench/write-svgs.js";
import type { CliIo } from "../cli-io.js";
import { parseMapsOptions } from "../options/bench-options.js";
import { UsageError } from "../options/list-option.js";
import { allRunners } from "../runners/all-runners.js";
import type { Runner } from "../runners/runner.js";
import { renderMemoryMapChart } from "../svg/memory-map-chart.js";

/** Usage of `osal maps`. */
export const mapsUsage = `usage: osal maps --backend X --workload W [--step N] [--seed N] [--out DIR]

Runs workload W for N steps (default 2000) on X and draws the backend's memory
map at that step (mappings by annotation, free pages, zeroed or dirty where the
backend reports it, external memory) into DIR/map-W-X-stepN.svg (default DIR
./osal-out). X is a backend (the TypeScript client on it) or a C guest runner
such as wasi-guest@wasm-page-manager; peers (a libc's own mmap) have no map.
`;

/**
 * `osal maps`: the memory map of one backend after a given number of steps of one
 * workload, as an SVG file. Prints the path written. Only runners that can see
 * their backend's pages (TypeScript clients) draw maps.
 */
export async function mapsCommand(
  argv: readonly string[],
  io: CliIo,
  runners: readonly Runner[] = allRunners(),
): Promise<number> {
  const options = parseMapsOptions(argv);
  if (options.help) {
    io.out(`${mapsUsage}\nrunners: ${runners.map((r) => r.name).join(", ")}\n`);
    return 0;
  }
  const runner = runners.find((r) => r.name === options.backend);
  if (runner === undefined) {
    throw new UsageError(
      `--backend: unknown backend "${options.backend}" (known: ${runners.map((r) => r.name).join(", ")})`,
    );
  }
  const outcome = await runner.run(options.workload, {
    steps: options.step,
    seed: options.seed,
    sampleEvery: Math.max(1, options.step),
  });
  if (outcome.finalMap === undefined) {
    io.err(`osal maps: ${runner.name} does not report a memory map\n`);
    return 1;
  }
  await mkdir(options.outDir, { recursive: true });
  const path = join(
    options.outDir,
    `map-${options.workload}-${fileSafe(runner.name)}-step${options.step}.svg`,
  );
  await writeFile(path, renderMemoryMapChart(outcome.finalMap));
  const { result } = outcome;
  const status = result.completed
    ? `completed ${result.stepsDone} steps`
    : `stopped at step ${result.failure?.step}: ${result.failure?.message}`;
  io.out(`${options.workload} on ${runner.name}: ${status}\nmemory map: ${path}\n`);
  return 0;
}
