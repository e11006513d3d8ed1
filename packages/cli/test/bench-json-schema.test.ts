import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type BenchJson, benchJsonSchema, runCli } from "../src/index.js";
import { validate } from "./json-schema.js";

let dir = "";
let json: BenchJson;

// One short run with the scaling figures (a few seconds, more on a loaded machine).
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "osal-cli-schema-"));
  const out: string[] = [];
  const code = await runCli(
    ["bench", "--steps", "20", "--workloads", "mmtk", "--json", "--out", join(dir, "out")],
    {
      out: (s) => out.push(s),
      err: () => {},
      progressEveryMs: Number.POSITIVE_INFINITY,
    },
  );
  expect(code).toBe(0);
  json = JSON.parse(out.join("")) as BenchJson;
}, 300_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("osal bench --json", () => {
  it("validates against the documented schema", () => {
    expect(validate(json, benchJsonSchema)).toEqual([]);
    expect(json.command).toBe(
      `osal bench --steps 20 --workloads mmtk --json --out ${join(dir, "out")}`,
    );
    expect(json.scaling?.pairs.map((p) => p.livePages)).toEqual([1_000, 60_000]);
    expect(json.scaling?.tableBuild.mappings).toBe(60_000);
  });

  it("gives null, never 0, for the ratio and speed of failed runs", () => {
    const rows = json.workloads.flatMap((w) => w.rows);
    const failed = rows.filter((r) => !r.completed);
    // mmtk fails on several rows (ghc-megablock has no side-metadata placement, the peers refuse the quarantine).
    expect(failed.length).toBeGreaterThan(0);
    for (const row of failed) {
      expect(row.footprintRatio, row.runner).toBeNull();
      expect(row.usPerOperation, row.runner).toBeNull();
      expect(row.failure?.code, row.runner).toMatch(/^(E[A-Z0-9]+|check-failed)$/);
    }
    for (const row of rows.filter((r) => r.completed)) {
      expect(row.footprintRatio, row.runner).toBeGreaterThan(0);
      expect(row.workloadPeakBytes, row.runner).not.toBeNull();
    }
  });

  it("compares every row of a kind with the same workload bytes", () => {
    for (const table of json.workloads) {
      for (const kind of ["ts", "guest"] as const) {
        const completed = table.rows.filter((r) => r.kind === kind && r.completed);
        const peaks = new Set(completed.map((r) => r.workloadPeakBytes));
        expect(peaks.size, `${table.workload} ${kind}`).toBeLessThanOrEqual(1);
        for (const row of completed) {
          expect(row.footprintRatio).toBeCloseTo(
            row.peakFootprintBytes / row.workloadPeakBytes!,
            12,
          );
        }
      }
    }
  });
});

describe("the schema validator", () => {
  it("reports what does not fit", () => {
    const bad = { ...json, steps: -1, extra: 1, workloads: [{ workload: "nope" }] };
    const problems = validate(bad, benchJsonSchema);
    expect(problems).toContain("$.steps: -1 < 0");
    expect(problems).toContain("$: unexpected extra");
    expect(problems).toContain(
      '$.workloads[0].workload: "nope" is not one of ["zend","sgen","coreclr","ghc","mmtk"]',
    );
    expect(problems).toContain("$.workloads[0]: missing rows");
    expect(validate({ ...json, scaling: 0 }, benchJsonSchema)).toEqual([
      "$.scaling: integer is not object or null",
    ]);
  });
});
