import { relative, resolve } from "node:path";
import { runBench } from "../bench/run-bench.js";
import { measureScaling } from "../bench/scaling.js";
import { writeBenchSvgs } from "../bench/write-svgs.js";
import type { CliIo } from "../cli-io.js";
import { parseBenchOptions } from "../options/bench-options.js";
import { createProgress } from "../progress.js";
import { benchJson } from "../report/json-report.js";
import { formatScaling } from "../report/scaling-text.js";
import { formatBenchReport } from "../report/table.js";
import { allRunners, knownBackendNames, selectRunners } from "../runners/all-runners.js";
import type { Runner } from "../runners/runner.js";

/** Usage of `osal bench`. */
export const benchUsage = `usage: osal bench [options]

Runs every workload (zend, sgen, coreclr, ghc, mmtk) on every backend and peer,
prints the command, one table per workload and the page manager's scaling
figures (map+unmap pairs among 1 000 and 60 000 live pages, the build of a
60 000-mapping table), and writes SVG charts and memory maps. Progress goes to
stderr: a status line on a terminal, a line every few seconds otherwise.

options:
  --workloads a,b   workloads to run (default: all)
  --backends x,y    backends / peers to run on, or single rows by their label
                    (wasi-guest@wasm-page-manager) (default: all)
  --steps N         steps per run (default 2000)
  --seed N          seed of the workloads' random choices (default 1)
  --out DIR         folder for the SVG files (default ./osal-out)
  --json            print the tables as JSON instead of text (schema: the CLI README)
  --no-scaling      leave out the scaling figures (about 5 s)
  --memory-cap MiB  most linear memory any run may grow to (default 768): a run
                    past it stops with ENOMEM
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
    memoryCapBytes: options.memoryCapBytes,
    onProgress: (done, total, label) => progress.update(done, total, label),
    onStep: (step, steps) => progress.step(step, steps),
  });
  const scaling = options.scaling
    ? measureScaling({ onProgress: (label) => progress.update(0, 1, label) })
    : null;
  progress.finish();
  const files = await writeBenchSvgs(report, options.outDir);
  const command = ["osal", "bench", ...argv].join(" ");

  if (options.json) {
    const json = benchJson(report, options.outDir, files, command, scaling);
    io.out(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  io.out(
    `$ ${command}\n` +
      `(µs / op counts the workload only; every run's linear memory is capped at ${options.memoryCapBytes / 2 ** 20} MiB)\n\n`,
  );
  io.out(formatBenchReport(report));
  if (scaling !== null) io.out(`\n${formatScaling(scaling)}`);
  const mapCount = [...files.values()].reduce((n, f) => n + Object.keys(f.maps).length, 0);
  const fromHere = relative(process.cwd(), options.outDir) || ".";
  const shown = fromHere.startsWith("..") ? resolve(options.outDir) : fromHere;
  io.out(
    `\npictures in ${shown}/: footprint-<workload>.svg (${files.size}, footprint over time), ` +
      `map-<workload>-<backend>.svg (${mapCount}, memory map at the end of each run)\n`,
  );
  return 0;
}
