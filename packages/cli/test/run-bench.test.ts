import { MmapError } from "@osal/core";
import { describe, expect, it } from "vitest";
import {
  backendSpecs,
  createProgress,
  formatBenchReport,
  type Runner,
  runBench,
  selectRunners,
  tsRunner,
} from "../src/index.js";

const broken: Runner = {
  name: "broken",
  kind: "guest",
  backend: "nowhere",
  description: "a runner that cannot start",
  async run() {
    throw new MmapError({ code: "ENOTSUP", syscall: "mmap", detail: "no guest build" });
  },
};

describe("runBench", () => {
  it("runs every workload on every runner, in order, and turns a runner that throws into a failed row", async () => {
    const progress: string[] = [];
    const report = await runBench({
      workloads: ["sgen", "ghc"],
      runners: [tsRunner(backendSpecs[0]!), broken],
      steps: 10,
      seed: 3,
      onProgress: (done, total, label) => progress.push(`${done}/${total} ${label}`),
    });
    expect(progress).toEqual([
      "0/4 sgen on mock-unix",
      "1/4 sgen on broken",
      "2/4 ghc on mock-unix",
      "3/4 ghc on broken",
    ]);
    expect(report.tables.map((t) => [t.workload, t.rows.map((r) => r.runner)])).toEqual([
      ["sgen", ["mock-unix", "broken"]],
      ["ghc", ["mock-unix", "broken"]],
    ]);
    const sgen = report.tables.find((t) => t.workload === "sgen")!;
    const row = sgen.rows[1]!;
    expect(row.kind).toBe("guest");
    expect(row.outcome.result.completed).toBe(false);
    expect(row.outcome.result.failure).toMatchObject({ step: 0, code: "ENOTSUP" });
    expect(sgen.rows[0]!.outcome.result.completed).toBe(true);
    const table = formatBenchReport(report);
    expect(table).toMatch(/^broken +guest +– +no: step 0, ENOTSUP/m);
    expect(table).toContain(
      "  broken: MmapError: ENOTSUP: operation not supported, mmap (no guest build)",
    );
  });

  it("selects runners by the backend they run on", () => {
    const runners = [tsRunner(backendSpecs[0]!), broken];
    expect(selectRunners(runners, ["nowhere"]).map((r) => r.name)).toEqual(["broken"]);
    expect(selectRunners(runners, undefined)).toHaveLength(2);
    expect(selectRunners(runners, ["broken"]).map((r) => r.name)).toEqual(["broken"]);
    expect(() => selectRunners(runners, ["mars"])).toThrow(/unknown backend or row "mars"/);
  });
});

describe("createProgress", () => {
  it("rewrites one line on a terminal and writes nothing elsewhere before the interval", () => {
    const written: string[] = [];
    const tty = createProgress({ write: (t) => written.push(t), isTTY: true });
    tty.update(0, 2, "zend on x");
    tty.finish();
    expect(written).toEqual(["\r\x1b[2K[1/2] zend on x…", "\r\x1b[2K"]);
    const quiet: string[] = [];
    const pipe = createProgress({ write: (t) => quiet.push(t), isTTY: false });
    pipe.update(0, 2, "zend on x");
    pipe.finish();
    expect(quiet).toEqual([]);
  });
});
