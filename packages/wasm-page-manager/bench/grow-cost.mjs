/**
 * What one `memory.grow` costs on this host, by step size and by the memory's
 * size, on a non-shared and on a shared memory: the measurement behind
 * Note [Growth policy] (packages/wasm-page-manager/src/page-manager.ts).
 *   node packages/wasm-page-manager/bench/grow-cost.mjs
 * For each memory size and step, a fresh memory is grown to the size in one call,
 * then grown by the step `CALLS` times; the median time per call is printed,
 * in microseconds, and µs per MiB grown.
 * Then the floor of growth for the 60 000-page table build of `osal bench`: the
 * least time `memory.grow` can take to bring a fresh non-shared memory from
 * 64 KiB to 4 GiB, in one call and by doubling (median of `FLOOR_RUNS` memories).
 * Past about 1 GiB each call on a non-shared memory costs V8 a memory-reducing
 * full GC (external memory pressure), whatever the JS heap holds, so no growth
 * policy gets under these figures.
 */
const WASM_PAGE = 65536;
const CALLS = 15;
const sizesMiB = [16, 256, 1024, 2048, 3072];
const stepsPages = [1, 16, 256, 1024];

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function measure(sizeMiB, stepPages, shared) {
  const memory = new WebAssembly.Memory({ initial: 0, maximum: 65536, shared });
  memory.grow(sizeMiB * 16);
  const times = [];
  for (let i = 0; i < CALLS && memory.buffer.byteLength + stepPages * WASM_PAGE <= 2 ** 32; i++) {
    const t0 = performance.now();
    memory.grow(stepPages);
    times.push((performance.now() - t0) * 1000);
  }
  return median(times);
}

for (const shared of [false, true]) {
  console.log(`\n${shared ? "shared" : "non-shared"} memory: median µs per memory.grow call`);
  console.log(
    `| size \\ step | ${stepsPages.map((p) => `${(p * WASM_PAGE) / 1024} KiB`).join(" | ")} |`,
  );
  console.log(`|---|${stepsPages.map(() => "---:").join("|")}|`);
  for (const size of sizesMiB) {
    const row = stepsPages.map((step) => measure(size, step, shared).toFixed(0));
    console.log(`| ${size} MiB | ${row.join(" | ")} |`);
  }
}

const FLOOR_RUNS = 5;
const FULL_PAGES = 65536;

/** ms of memory.grow to bring a fresh memory from 1 page to `FULL_PAGES`, taking steps from `next`. */
function growToFull(next) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: FULL_PAGES });
  let ms = 0;
  let calls = 0;
  while (memory.buffer.byteLength / WASM_PAGE < FULL_PAGES) {
    const pages = memory.buffer.byteLength / WASM_PAGE;
    const step = Math.min(next(pages), FULL_PAGES - pages);
    const t0 = performance.now();
    memory.grow(step);
    ms += performance.now() - t0;
    calls++;
  }
  return { ms, calls };
}

console.log("\nnon-shared memory, 64 KiB → 4 GiB: median ms in memory.grow");
for (const [label, next] of [
  ["one call", (pages) => FULL_PAGES - pages],
  ["doubling", (pages) => pages],
]) {
  const runs = Array.from({ length: FLOOR_RUNS }, () => growToFull(next));
  const ms = median(runs.map((run) => run.ms));
  console.log(`| ${label} | ${runs[0].calls} calls | ${ms.toFixed(1)} ms |`);
}
