import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileSafe } from "../bench/write-svgs.js";
import type { CliIo } from "../cli-io.js";
import { parseMapsOptions } from "../options/bench-options.js";
import { UsageError } from "../options/list-option.js";
import { createProgress } from "../progress.js";
import { allRunners, mapRunners } from "../runners/all-runners.js";
import type { Runner } from "../runners/runner.js";
import { renderMemoryMapChart } from "../svg/memory-map-chart.js";

/** Usage of `osal maps`. */
export const mapsUsage = `usage: osal maps --backend X --workload W [--step N] [--seed N] [--out DIR]

Runs workload W for N steps (default 2000) on X and draws the backend's memory
map at the step it reached (mappings by annotation, free pages, zeroed or dirty
where the backend reports it, external memory) into DIR/map-W-X-stepN.svg
(default DIR ./osal-out; N is the step the run reached, lower when it stopped
early). X is a backend (the TypeScript client on it) or a C guest runner such as
wasi-guest@wasm-page-manager; peers (a libc's own mmap) have no map.

options:
  --backend X       the runner (one of those listed below)
  --workload W      zend, sgen, coreclr, ghc or mmtk
  --step N          steps to run (default 2000)
  --seed N          seed of the workload's random choices (default 1)
  --out DIR         folder for the SVG file (default ./osal-out)
  -h, --help        this text
`;

/**
 * `osal maps`: the memory map of one backend after a given number of steps of one
 * workload, as an SVG file named after the step the run reached (a run that
 * stopped early is drawn where it stopped). Prints the path written. Only runners
 * that can see their backend's pages draw maps, and only those are accepted.
 */
export async function mapsCommand(
  argv: readonly string[],
  io: CliIo,
  runners: readonly Runner[] = allRunners(),
): Promise<number> {
  const options = parseMapsOptions(argv);
  const accepted = mapRunners(runners);
  const names = accepted.map((r) => r.name).join(", ");
  if (options.help) {
    io.out(`${mapsUsage}\nrunners: ${names}\n`);
    return 0;
  }
  const runner = accepted.find((r) => r.name === options.backend);
  if (runner === undefined) {
    const peer = runners.some((r) => r.name === options.backend);
    throw new UsageError(
      `--backend: ${peer ? `"${options.backend}" reports no memory map` : `unknown runner "${options.backend}"`} (runners with a map: ${names})`,
    );
  }
  const progress = createProgress(
    { write: io.err, isTTY: io.errIsTTY === true },
    io.progressEveryMs === undefined ? {} : { everyMs: io.progressEveryMs },
  );
  progress.update(0, 1, `${options.workload} on ${runner.name}`);
  const outcome = await runner.run(options.workload, {
    steps: options.step,
    seed: options.seed,
    sampleEvery: Math.max(1, Math.ceil(options.step / 100)),
    onStep: (step) => progress.step(step, options.step),
  });
  progress.finish();
  if (outcome.finalMap === undefined) {
    io.err(`osal maps: ${runner.name} does not report a memory map\n`);
    return 1;
  }
  const { result } = outcome;
  await mkdir(options.outDir, { recursive: true });
  const path = join(
    options.outDir,
    `map-${options.workload}-${fileSafe(runner.name)}-step${result.stepsDone}.svg`,
  );
  await writeFile(path, renderMemoryMapChart(outcome.finalMap));
  const status = result.completed
    ? `completed ${result.stepsDone} steps`
    : `stopped at step ${result.failure?.step ?? result.stepsDone} of ${options.step}: ${result.failure?.message}`;
  io.out(`${options.workload} on ${runner.name}: ${status}\nmemory map: ${path}\n`);
  return 0;
}
