import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { workloadNames } from "@osal/workloads";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { allRunners, type BenchJson, backendSpecs, rowCells, runCli } from "../src/index.js";
import { checkWellFormedXml } from "./xml-well-formed.js";

/** Runs the CLI; progress lines in logs only every `progressEveryMs` (never, by default). */
async function run(argv: string[], errIsTTY = false, progressEveryMs = Number.POSITIVE_INFINITY) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    errIsTTY,
    progressEveryMs,
  });
  return { code, out: out.join(""), err: err.join("") };
}

const steps = "20";
let dir: string;
let text: Awaited<ReturnType<typeof run>>;
let json: BenchJson;
const runners = allRunners();
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** The text of one workload's table (heading to the blank line after it). */
/** A granule cell: `64 KiB`, `1 MiB, rounds`, or `–` for a run that never started. */
const granule = "(–|[\\d.]+ [KMG]?i?B(, rounds)?)";

function section(workload: string): string {
  return text.out.split(/\n\n/).find((s) => s.startsWith(`${workload} (`)) ?? "";
}

/** Workloads of the `--json` run: one every backend completes, one several fail (failure rows). */
const jsonWorkloads = ["sgen", "mmtk"] as const;

// Two short runs of every runner (guests instantiate a wasm module each): seconds,
// but allow for a loaded machine.
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "osal-cli-"));
  text = await run([
    "bench",
    "--steps",
    steps,
    "--seed",
    "7",
    "--no-scaling",
    "--out",
    join(dir, "text"),
  ]);
  const raw = await run([
    "bench",
    "--steps",
    steps,
    "--seed",
    "7",
    "--workloads",
    jsonWorkloads.join(","),
    "--out",
    join(dir, "json"),
    "--json",
  ]);
  expect(raw.code).toBe(0);
  json = JSON.parse(raw.out) as BenchJson;
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("osal bench, end to end on a short run", () => {
  it("prints one table per workload with a row for every backend", () => {
    expect(text.code).toBe(0);
    expect(text.err).toBe("");
    for (const workload of workloadNames) {
      expect(text.out).toContain(`${workload} (${steps} steps, seed 7)`);
    }
    for (const workload of workloadNames) {
      for (const runner of runners) {
        expect(section(workload)).toMatch(
          new RegExp(
            `^${escapeRegExp(runner.name)} +${runner.kind} +${granule} +(yes|no: step \\d+)`,
            "m",
          ),
        );
      }
    }
    expect(text.out).toMatch(/pictures in .*text\/: footprint-<workload>\.svg \(5,/);
  });

  it("prints JSON with the same rows and figures as the tables", () => {
    expect(json.steps).toBe(20);
    expect(json.seed).toBe(7);
    expect(json.workloads.map((w) => w.workload)).toEqual([...jsonWorkloads]);
    for (const table of json.workloads) {
      expect(table.rows.map((r) => r.runner)).toEqual(runners.map((r) => r.name));
      for (const row of table.rows) {
        // Every column but the timing one is deterministic for a given seed and step count.
        const cells = rowCells(
          row.runner,
          row.kind,
          {
            ...row,
            workload: table.workload,
            zeroedBytes: row.zeroedBytes ?? 0,
            footprintRatio: row.footprintRatio ?? 0,
            usPerOperation: row.usPerOperation ?? 0,
            failure: row.failure ?? undefined,
          },
          row.zeroedBytes !== null,
          {
            ...(row.granuleBytes === null ? {} : { granuleBytes: row.granuleBytes }),
            ...(row.workloadPeakBytes === null || row.workloadGranuleBytes === null
              ? {}
              : {
                  reference: {
                    peakBytes: row.workloadPeakBytes,
                    granuleBytes: row.workloadGranuleBytes,
                  },
                }),
          },
        );
        const line = section(table.workload)
          .split("\n")
          .find((l) => l.startsWith(`${row.runner} `));
        expect(line, `${table.workload} / ${row.runner}`).toBeDefined();
        for (const cell of cells.slice(0, 7)) expect(line).toContain(cell);
        expect(line).toMatch(/(\d+\.\d|–)$/);
        if (row.failure) expect(text.out).toContain(`  ${row.runner}: ${row.failure.message}`);
      }
    }
  });

  it("writes a well-formed, non-empty SVG chart per workload and a map per run", async () => {
    // The JSON lists what it wrote: the chart and a map per run that had one.
    const jsonFiles = (await readdir(join(dir, "json"))).sort();
    const listed = json.workloads.flatMap((table) => [
      basename(table.chart),
      ...Object.values(table.maps).map((path) => basename(path)),
    ]);
    expect(jsonFiles).toEqual(listed.sort());
    // Every TypeScript run draws its backend's map; guests on osal backends do too.
    const files = (await readdir(join(dir, "text"))).sort();
    for (const workload of workloadNames) {
      expect(files).toContain(`footprint-${workload}.svg`);
      for (const backend of backendSpecs)
        expect(files).toContain(`map-${workload}-${backend.name}.svg`);
    }
    for (const file of files) {
      const svg = await readFile(join(dir, "text", file), "utf8");
      const { problems, root } = checkWellFormedXml(svg);
      expect(problems, file).toEqual([]);
      expect(root, file).toBe("svg");
      expect(svg.length).toBeGreaterThan(500);
    }
    const chart = await readFile(join(dir, "text", "footprint-zend.svg"), "utf8");
    expect(chart).toContain("workload steps");
    expect(chart).toContain("host footprint");
    for (const runner of runners) expect(chart).toContain(`>${runner.name}<`);
  });

  it("shows progress on a terminal, and in logs only once the interval has passed", async () => {
    const tty = await run(
      ["bench", "--steps", "5", "--workloads", "sgen", "--no-scaling", "--out", join(dir, "tty")],
      true,
    );
    expect(tty.err).toContain("[1/");
    expect(tty.err).toContain("sgen on mock-unix");
    const quiet = await run([
      "bench",
      "--steps",
      "5",
      "--workloads",
      "sgen",
      "--no-scaling",
      "--out",
      join(dir, "quiet"),
    ]);
    expect(quiet.err).toBe("");
    const logged = await run(
      [
        "bench",
        "--steps",
        "5",
        "--workloads",
        "sgen",
        "--no-scaling",
        "--out",
        join(dir, "logged"),
      ],
      false,
      0,
    );
    const lines = logged.err.split("\n").filter((line) => line !== "");
    expect(lines.length).toBeGreaterThanOrEqual(runners.length);
    expect(logged.err).not.toContain("\r");
    expect(lines[0]).toMatch(/^osal: \[1\/\d+\] sgen on mock-unix(, step \d+\/5)? \(\d+ s\)$/);
    expect(logged.err).toMatch(/sgen on wasm-page-manager, step 5\/5 \(\d+ s\)/);
  }, 60_000);

  it("selects workloads and backends", async () => {
    const r = await run([
      "bench",
      "--steps",
      "5",
      "--workloads",
      "ghc,sgen",
      "--backends",
      "mock-unix",
      "--no-scaling",
      "--out",
      join(dir, "some"),
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ghc \(5 steps/m);
    expect(r.out).toContain("\nsgen (5 steps");
    expect(r.out).not.toContain("zend (");
    expect(r.out).not.toMatch(/^ghc-megablock /m);
  });

  it("rejects bad options with exit code 2 and a message on stderr", async () => {
    for (const argv of [
      ["bench", "--workloads", "nope"],
      ["bench", "--backends", "nope"],
      ["bench", "--steps", "-3"],
      ["bench", "--frobnicate"],
      ["maps", "--workload", "zend"],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(/^osal (bench|maps): /);
    }
  });
});

describe("osal maps", () => {
  it("draws the memory map of a backend at a workload step", async () => {
    const r = await run([
      "maps",
      "--backend",
      "mock-unix",
      "--workload",
      "mmtk",
      "--step",
      "30",
      "--out",
      dir,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("mmtk on mock-unix: completed 30 steps");
    const svg = await readFile(join(dir, "map-mmtk-mock-unix-step30.svg"), "utf8");
    expect(checkWellFormedXml(svg).problems).toEqual([]);
    expect(svg).toContain("mock-unix: mmtk after 30 steps");
    expect(svg).toContain("mapped: space:mmtk-heap");
    expect(svg).toContain("paler: mapped NoAccess");
  });

  it("draws the map of a C guest's backend", async () => {
    const r = await run([
      "maps",
      "--backend",
      "wasi-guest@wasm-page-manager",
      "--workload",
      "sgen",
      "--step",
      "15",
      "--out",
      dir,
    ]);
    expect(r.code).toBe(0);
    const svg = await readFile(
      join(dir, "map-sgen-wasi-guest-wasm-page-manager-step15.svg"),
      "utf8",
    );
    expect(checkWellFormedXml(svg).problems).toEqual([]);
    expect(svg).toContain("external (not this backend&apos;s)");
  });
});
