import { relative, resolve } from "node:path";
import { runBench } from "../bench/run-bench.js";
import { writeBenchSvgs } from "../bench/write-svgs.js";
import type { CliIo } from "../cli-io.js";
import { parseBenchOptions } from "../options/bench-options.js";
import { createProgress } from "../progress.js";
import { benchJson } from "../report/json-report.js";
import { formatBenchReport } from "../report/table.js";
import { allRunners, knownBackendNames, selectRunners } from "../runners/all-runners.js";
import type { Runner } from "../runners/runner.js";

/** Usage of `osal bench`. */
export const benchUsage = `usage: osal bench [options]

Runs every workload (zend, sgen, coreclr, ghc, mmtk) on every backend and peer,
prints one table per workload and writes SVG charts and memory maps. Progress
goes to stderr: a status line on a terminal, a line every few seconds otherwise.

options:
  --workloads a,b   workloads to run (default: all)
  --backends x,y    backends / peers to run on, or single rows by their label
                    (wasi-guest@wasm-page-manager) (default: all)
  --steps N         steps per run (default 2000)
  --seed N          seed of the workloads' random choices (default 1)
  --out DIR         folder for the SVG files (default ./osal-out)
  --json            print the tables as JSON instead of text
  -h, --help        this text
`;

/**
 * `osal bench`: runs the selected workloads on the selected runners, prints the
 * tables (or `--json`), and writes `footprint-<workload>.svg` and
 * `map-<workload>-<backend>.svg` into the output folder. Progress goes to stderr:
 * a status line on a terminal, a line every few seconds in logs and pipes.
 * Resolves to the exit code (0; 2 for bad options).
 */
export async function benchCommand(
  argv: readonly string[],
  io: CliIo,
  runners: readonly Runner[] = allRunners(),
): Promise<number> {
  const options = parseBenchOptions(argv);
  if (options.help) {
    io.out(
      `${benchUsage}\nbackends and peers: ${knownBackendNames(runners).join(", ")}\n` +
        `rows: ${runners.map((r) => r.name).join(", ")}\n`,
    );
    return 0;
  }
  const selected = selectRunners(runners, options.backends);
  const progress = createProgress(
    { write: io.err, isTTY: io.errIsTTY === true },
    io.progressEveryMs === undefined ? {} : { everyMs: io.progressEveryMs },
  );
  const report = await runBench({
    workloads: options.workloads,
    runners: selected,
    steps: options.steps,
    seed: options.seed,
    onProgress: (done, total, label) => progress.update(done, total, label),
    onStep: (step, steps) => progress.step(step, steps),
  });
  progress.finish();
  const files = await writeBenchSvgs(report, options.outDir);

  if (options.json) {
    io.out(`${JSON.stringify(benchJson(report, options.outDir, files), null, 2)}\n`);
    return 0;
  }
  io.out(formatBenchReport(report));
  const mapCount = [...files.values()].reduce((n, f) => n + Object.keys(f.maps).length, 0);
  const fromHere = relative(process.cwd(), options.outDir) || ".";
  const shown = fromHere.startsWith("..") ? resolve(options.outDir) : fromHere;
  io.out(
    `\npictures in ${shown}/: footprint-<workload>.svg (${files.size}, footprint over time), ` +
      `map-<workload>-<backend>.svg (${mapCount}, memory map at the end of each run)\n`,
  );
  return 0;
}
