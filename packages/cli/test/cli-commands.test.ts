import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  allRunners,
  createProgress,
  mapRunners,
  runCli,
  selectableNames,
  selectRunners,
} from "../src/index.js";

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(argv, {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    progressEveryMs: Number.POSITIVE_INFINITY,
  });
  return { code, out: out.join(""), err: err.join("") };
}

const runners = allRunners();
const peers = ["wasi-guest@wasi-libc", "emscripten-guest@emscripten"];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "osal-cli-commands-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("osal --version and --help", () => {
  it("prints the package's version", async () => {
    const { version } = JSON.parse(
      readFileSync(new URL("../package.json", import.meta.url), "utf8"),
    ) as { version: string };
    for (const flag of ["--version", "-V"]) {
      const r = await run([flag]);
      expect(r).toEqual({ code: 0, out: `${version}\n`, err: "" });
    }
  });

  it("prints every command's usage for --help and -h, and runs nothing", async () => {
    for (const command of ["bench", "maps", "demo", "help"]) {
      for (const flag of ["--help", "-h"]) {
        const r = await run([command, flag]);
        expect(r.code, `${command} ${flag}`).toBe(0);
        expect(r.err).toBe("");
        expect(r.out).toMatch(new RegExp(`^usage: osal ${command}`));
      }
      const viaHelp = await run(["help", command]);
      expect(viaHelp.out).toMatch(new RegExp(`^usage: osal ${command}`));
    }
    const demo = await run(["demo", "--help"]);
    expect(demo.out).not.toContain("/proc/self/maps:\n");
    expect(demo.out).not.toMatch(/rw-p 00000000/);
  });

  it("refuses options a command does not take", async () => {
    for (const argv of [
      ["demo", "--steps", "3"],
      ["help", "--nope"],
      ["help", "bench", "maps"],
    ]) {
      const r = await run(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.out).toBe("");
      expect(r.err).toMatch(/^osal (demo|help): /);
    }
  });
});

describe("osal bench --backends", () => {
  it("takes backend names (every row on them) and row labels (that row)", () => {
    const names = selectableNames(runners);
    for (const runner of runners) expect(names).toContain(runner.name);
    const one = selectRunners(runners, ["wasi-guest@wasm-page-manager"]);
    expect(one.map((r) => r.name)).toEqual(["wasi-guest@wasm-page-manager"]);
    const onBackend = selectRunners(runners, ["wasm-page-manager"]).map((r) => r.name);
    expect(onBackend).toEqual([
      "wasm-page-manager",
      "wasi-guest@wasm-page-manager",
      "emscripten-guest@wasm-page-manager",
    ]);
    const mixed = selectRunners(runners, ["emscripten-guest@emscripten", "mock-unix"]);
    expect(mixed.map((r) => r.name)).toEqual(["mock-unix", "emscripten-guest@emscripten"]);
  });

  it("runs the one row a label names", async () => {
    const r = await run([
      "bench",
      "--steps",
      "5",
      "--workloads",
      "sgen",
      "--backends",
      "wasi-guest@wasm-page-manager",
      "--no-scaling",
      "--out",
      join(dir, "one-row"),
    ]);
    expect(r.code).toBe(0);
    const rows = r.out.split("\n").filter((line) => /^\S+ +(ts|guest) +/.test(line));
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatch(/^wasi-guest@wasm-page-manager +guest +64 KiB(, rounds)? +yes/);
  });

  it("lists the row labels in its help and refuses unknown names", async () => {
    const help = await run(["bench", "--help"]);
    expect(help.out).toContain("wasi-guest@wasm-page-manager");
    const bad = await run(["bench", "--backends", "wasi-guest@nowhere"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('unknown backend or row "wasi-guest@nowhere"');
  });
});

describe("osal maps", () => {
  it("lists and accepts only runners that draw maps", async () => {
    const accepted = mapRunners(runners).map((r) => r.name);
    expect(accepted).toContain("wasm-page-manager");
    expect(accepted).toContain("emscripten-guest@wasm-posix-memalign");
    for (const peer of peers) expect(accepted).not.toContain(peer);
    const help = await run(["maps", "--help"]);
    const listed = help.out
      .slice(help.out.indexOf("\nrunners: ") + 10)
      .trim()
      .split(", ");
    expect(listed).toEqual(accepted);
    const out = join(dir, "peers");
    for (const peer of peers) {
      const r = await run(["maps", "--backend", peer, "--workload", "sgen", "--out", out]);
      expect(r.code, peer).toBe(2);
      expect(r.err).toContain(`"${peer}" reports no memory map`);
    }
    expect(existsSync(out)).toBe(false);
  });

  it("names the file after the step a run that stopped early reached", async () => {
    const out = join(dir, "stopped");
    // ghc-megablock has no MAP_FIXED: mmtk stops at its first chunk.
    const r = await run([
      "maps",
      "--backend",
      "ghc-megablock",
      "--workload",
      "mmtk",
      "--step",
      "50",
      "--out",
      out,
    ]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/mmtk on ghc-megablock: stopped at step 0 of 50: /);
    expect(await readdir(out)).toEqual(["map-mmtk-ghc-megablock-step0.svg"]);
    expect(existsSync(join(out, "map-mmtk-ghc-megablock-step50.svg"))).toBe(false);
  });
});

describe("progress in logs", () => {
  it("osal maps reports its run's steps too", async () => {
    const err: string[] = [];
    const code = await runCli(
      ["maps", "--backend", "mock-unix", "--workload", "sgen", "--step", "40", "--out", dir],
      { out: () => {}, err: (t) => err.push(t), progressEveryMs: 0 },
    );
    expect(code).toBe(0);
    expect(err.join("")).toMatch(/^osal: \[1\/1\] sgen on mock-unix \(\d+ s\)\n/);
    expect(err.join("")).toContain("osal: [1/1] sgen on mock-unix, step 40/40 (");
  });

  it("writes a line at most every interval, never before the first has passed", () => {
    let time = 1000;
    const lines: string[] = [];
    const progress = createProgress(
      { write: (t) => lines.push(t), isTTY: false },
      { everyMs: 3000, now: () => time },
    );
    progress.update(0, 4, "zend on mock-unix");
    progress.step(100, 10_000);
    expect(lines).toEqual([]);
    time += 3000;
    progress.step(4000, 10_000);
    time += 1000;
    progress.step(5000, 10_000);
    time += 2500;
    progress.update(1, 4, "zend on wasm-page-manager");
    progress.finish();
    expect(lines).toEqual([
      "osal: [1/4] zend on mock-unix, step 4000/10000 (3 s)\n",
      "osal: [2/4] zend on wasm-page-manager (7 s)\n",
    ]);
  });
});
