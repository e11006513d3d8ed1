// The growth policy measured side by side in one process (issue 17 item 1):
//   node packages/wasm-page-manager/bench/growth-figures.mjs [--exact] [--workloads] [--runs 3]
// 1. Building 60 000 one-page mappings (64 KiB pages) call by call on a fresh
//    non-shared memory under each policy: build time, time inside memory.grow
//    (each call timed through a wrapper of the memory) and its share, grow calls,
//    footprint over the 3750 MiB needed, bytes zeroed, and whether every page
//    grown ahead is listed free-zeroed. The rows: the default policy; the default
//    at commit 1b08399 (an eighth of the size, 1–64 MiB, no doubling); with
//    --exact also exact growth (the behaviour before the policy; about 4 minutes).
//    --runs N repeats the policy rows N times, interleaved (the machine is shared).
// 2. With --workloads, every workload (20 000 steps, seed 1) under exact growth,
//    the 1b08399 default and the default: peak footprint, grow calls and time.
import { DEFAULT_GROWTH, EXACT_GROWTH, GiB, MiB, MmapStrategy } from "@osal/core";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { runWorkload, workloadNames } from "@osal/workloads";

const MAPPINGS = 60_000;
const PAGE = 65536;
const flag = (name) => process.argv.includes(`--${name}`);
const runsAt = process.argv.indexOf("--runs");
const runs = runsAt >= 0 ? Number(process.argv[runsAt + 1]) : 1;

const AT_1B08399 = Object.freeze({
  ratio: 1 / 8,
  minimumStep: MiB,
  maximumStep: 64 * MiB,
  doublingFrom: Number.POSITIVE_INFINITY,
});
const policies = [
  ["default", DEFAULT_GROWTH],
  ["1b08399 default (1/8, 1–64 MiB)", AT_1B08399],
];

/** A fresh non-shared memory whose `grow` calls are counted and timed. */
function timedMemory() {
  const inner = new WebAssembly.Memory({ initial: 0, maximum: 65536 });
  const counts = { grows: 0, growMs: 0 };
  const memory = {
    get buffer() {
      return inner.buffer;
    },
    grow(delta) {
      const t0 = performance.now();
      try {
        return inner.grow(delta);
      } finally {
        counts.growMs += performance.now() - t0;
        counts.grows++;
      }
    },
  };
  return { memory, counts };
}

const mib = (bytes) => (bytes / MiB).toFixed(1);

function build(name, policy) {
  const { memory, counts } = timedMemory();
  const os = createWasmPageManager({ memory, maximumBytes: 4 * GiB, growth: policy });
  const t0 = performance.now();
  for (let i = 0; i < MAPPINGS; i++) os.dzmmapAnywhere(PAGE, PAGE, MmapStrategy.DEFAULT);
  const ms = performance.now() - t0;
  const stats = os.stats();
  // Every page past the mappings (page 0 and the pages grown ahead) is listed free-zeroed.
  const states = os.pageStates();
  const zeroedAhead = states
    .filter((r) => r.state === "free-zeroed")
    .reduce((n, r) => n + r.end - r.start, 0);
  const listed = zeroedAhead === stats.footprintBytes - stats.mappedBytes;
  console.log(
    `| ${name} | ${ms.toFixed(0)} | ${counts.growMs.toFixed(0)} | ${((100 * counts.growMs) / ms).toFixed(1)} % | ${counts.grows} | ${mib(stats.footprintBytes)} | ${mib(stats.footprintBytes - MAPPINGS * PAGE)} | ${stats.zeroedBytes} | ${listed ? "yes" : "NO"} |`,
  );
  return ms;
}

console.log(
  `node ${process.version}; ${MAPPINGS} one-page mappings (64 KiB pages), non-shared memory`,
);
console.log(
  "| policy | build ms | memory.grow ms | grow share | grow calls | footprint MiB | over needed MiB | bytes zeroed | grown-ahead pages listed free-zeroed |",
);
console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|");
for (let run = 0; run < runs; run++) for (const [name, policy] of policies) build(name, policy);
if (flag("exact")) build("exact (before the policy)", EXACT_GROWTH);

if (flag("workloads")) {
  console.log("\nworkloads, 20 000 steps, seed 1");
  console.log(
    "| workload | policy | ms | grow calls | memory.grow ms | peak footprint MiB | over exact MiB |",
  );
  console.log("|---|---|---:|---:|---:|---:|---:|");
  for (const workload of workloadNames) {
    let exact = 0;
    for (const [label, policy] of [["exact", EXACT_GROWTH], ...policies]) {
      const { memory, counts } = timedMemory();
      const os = createWasmPageManager({ memory, maximumBytes: 4 * GiB, growth: policy });
      const t0 = performance.now();
      const result = runWorkload(workload, os, { steps: 20_000, seed: 1 });
      const ms = performance.now() - t0;
      if (!result.completed) throw new Error(`${workload} (${label}): ${result.failure?.message}`);
      if (label === "exact") exact = result.peakFootprintBytes;
      console.log(
        `| ${workload} | ${label} | ${ms.toFixed(0)} | ${counts.grows} | ${counts.growMs.toFixed(0)} | ${mib(result.peakFootprintBytes)} | ${mib(result.peakFootprintBytes - exact)} |`,
      );
    }
  }
}
