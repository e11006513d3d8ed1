/**
 * What one `memory.grow` costs on this host, by step size and by the memory's
 * size, on a non-shared and on a shared memory: the measurement behind
 * Note [Growth policy] (packages/wasm-page-manager/src/page-manager.ts).
 *   node packages/wasm-page-manager/bench/grow-cost.mjs
 * For each memory size and step, a fresh memory is grown to the size in one call,
 * then grown by the step `CALLS` times; the median time per call is printed,
 * in microseconds, and µs per MiB grown.
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
