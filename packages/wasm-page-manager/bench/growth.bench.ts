/**
 * The growth policy (Note [Growth policy]) measured side by side in one run:
 *   npx vitest bench --run --project wasm-page-manager bench/growth.bench.ts   (from the root)
 * (bench/growth-figures.mjs measures the same in a plain Node process, once per
 * row, with the exact row too; its figures are the ones the Notes quote.)
 *
 * 1. Building 60 000 one-page mappings (64 KiB pages) call by call on a fresh,
 *    non-shared memory, under exact growth (the old behaviour) and candidate
 *    policies. Each row's `memory.grow` calls are timed through a wrapper of the
 *    memory, so the table printed at the end gives the share of the build spent
 *    growing, the calls, and the footprint over what was needed.
 * 2. Every workload (20 000 steps, seed 1) under exact growth and the default:
 *    the footprint the policy costs (at most one step) and the time it saves.
 * vitest does not show a bench's console output, so each row is also appended to
 * the file `OSAL_GROWTH_BENCH_OUT` names (default: osal-growth-bench.md in the
 * temporary directory). Exact growth takes 11 minutes a run here, and vitest runs
 * each body three times even with `iterations: 1`: set
 * `OSAL_GROWTH_BENCH_EXACT=0` to leave that row out.
 */

import { appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DEFAULT_GROWTH,
  EXACT_GROWTH,
  GiB,
  type GrowthPolicy,
  type LinearMemory,
  MiB,
  MmapStrategy,
} from "@osal/core";
import { runWorkload, workloadNames } from "@osal/workloads";
import { afterAll, bench, describe } from "vitest";
import { createWasmPageManager } from "../src/index.js";

const MAPPINGS = 60_000;
const out = process.env.OSAL_GROWTH_BENCH_OUT ?? join(tmpdir(), "osal-growth-bench.md");
const withExact = process.env.OSAL_GROWTH_BENCH_EXACT !== "0";

/** Keeps a table row and appends it to {@link out}. */
function record(rows: string[], row: string): void {
  rows.push(row);
  appendFileSync(out, `${row}\n`);
}
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };

const candidates: readonly { name: string; policy: GrowthPolicy; options: object }[] = [
  { name: "exact (old)", policy: EXACT_GROWTH, options: once },
  {
    name: "granule 2 MiB",
    policy: { ratio: 0, minimumStep: 2 * MiB, maximumStep: 2 * MiB },
    options: once,
  },
  {
    name: "granule 16 MiB",
    policy: { ratio: 0, minimumStep: 16 * MiB, maximumStep: 16 * MiB },
    options: once,
  },
  {
    name: "geometric 1/8, 1 MiB..64 MiB (the default at 1b08399)",
    policy: { ratio: 1 / 8, minimumStep: MiB, maximumStep: 64 * MiB },
    options: once,
  },
  {
    name: "default: 1/8, 1 MiB..64 MiB, doubling from 512 MiB",
    policy: DEFAULT_GROWTH,
    options: once,
  },
  {
    name: "geometric 1/4, 1 MiB..256 MiB",
    policy: { ratio: 1 / 4, minimumStep: MiB, maximumStep: 256 * MiB },
    options: once,
  },
  {
    name: "geometric 1/2, 1 MiB..1 GiB",
    policy: { ratio: 1 / 2, minimumStep: MiB, maximumStep: GiB },
    options: once,
  },
  {
    name: "geometric 1, 1 MiB..4 GiB",
    policy: { ratio: 1, minimumStep: MiB, maximumStep: 4 * GiB },
    options: once,
  },
];

/** A memory whose `grow` calls are counted and timed. */
function timedMemory(): { memory: LinearMemory; grows: () => number; growMs: () => number } {
  const WasmMemory = (
    globalThis as unknown as {
      WebAssembly: { Memory: new (d: { initial: number; maximum: number }) => LinearMemory };
    }
  ).WebAssembly.Memory;
  const inner = new WasmMemory({ initial: 0, maximum: 65536 });
  let grows = 0;
  let growMs = 0;
  const memory: LinearMemory = {
    get buffer() {
      return inner.buffer;
    },
    grow(delta: number) {
      const t0 = performance.now();
      try {
        return inner.grow(delta);
      } finally {
        growMs += performance.now() - t0;
        grows++;
      }
    },
  };
  return { memory, grows: () => grows, growMs: () => growMs };
}

const mib = (bytes: number) => (bytes / MiB).toFixed(1);

describe(`build ${MAPPINGS} one-page mappings call by call (64 KiB pages, non-shared memory)`, () => {
  const rows: string[] = [];
  afterAll(() => {
    console.log(
      [
        `| policy | build ms | memory.grow ms | grow share | grow calls | footprint MiB | over needed MiB |`,
        `|---|---:|---:|---:|---:|---:|---:|`,
        ...rows,
      ].join("\n"),
    );
  });
  for (const { name, policy, options } of candidates) {
    if (policy === EXACT_GROWTH && !withExact) continue;
    bench(
      name,
      () => {
        const { memory, grows, growMs } = timedMemory();
        const os = createWasmPageManager({ memory, maximumBytes: 4 * GiB, growth: policy });
        const page = os.pageSize;
        const t0 = performance.now();
        for (let i = 0; i < MAPPINGS; i++) os.dzmmapAnywhere(page, page, MmapStrategy.DEFAULT);
        const ms = performance.now() - t0;
        const footprint = os.stats().footprintBytes;
        record(
          rows,
          `| ${name} | ${ms.toFixed(0)} | ${growMs().toFixed(0)} | ${((100 * growMs()) / ms).toFixed(1)} % | ${grows()} | ${mib(footprint)} | ${mib(footprint - MAPPINGS * page)} |`,
        );
      },
      options,
    );
  }
});

describe("every workload (20 000 steps, seed 1): exact growth against the default policy", () => {
  const rows: string[] = [];
  afterAll(() => {
    console.log(
      [
        `| workload | policy | ms | memory.grow calls | memory.grow ms | peak footprint MiB | footprint cost MiB |`,
        `|---|---|---:|---:|---:|---:|---:|`,
        ...rows,
      ].join("\n"),
    );
  });
  for (const workload of workloadNames) {
    bench(
      workload,
      () => {
        let exactFootprint = 0;
        for (const [label, policy] of [
          ["exact", EXACT_GROWTH],
          ["default", DEFAULT_GROWTH],
        ] as const) {
          const { memory, grows, growMs } = timedMemory();
          const os = createWasmPageManager({ memory, maximumBytes: 4 * GiB, growth: policy });
          const t0 = performance.now();
          const result = runWorkload(workload, os, { steps: 20_000, seed: 1 });
          const ms = performance.now() - t0;
          if (!result.completed)
            throw new Error(`${workload} (${label}) failed: ${result.failure?.message}`);
          if (label === "exact") exactFootprint = result.peakFootprintBytes;
          record(
            rows,
            `| ${workload} | ${label} | ${ms.toFixed(0)} | ${grows()} | ${growMs().toFixed(0)} | ${mib(result.peakFootprintBytes)} | ${mib(result.peakFootprintBytes - exactFootprint)} |`,
          );
        }
      },
      once,
    );
  }
});
