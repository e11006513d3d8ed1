// Placement figures (issue 17 item 2): footprint ÷ peak mapped on the page manager
// for the zend workload (seeds 1–8), sgen, and Doug Lea's dlmalloc in mmap-only
// mode as a wasm guest, plus zend's footprint ÷ its 2 MiB alignment floor.
// Run after a build, from the repository root:
//   node packages/wasm-page-manager/bench/placement-figures.mjs [--growth exact|default]
//        [--steps 20000] [--seeds 1-8] [--only zend,sgen,dlmalloc] [--dlmalloc-steps 8000]
// `footprint` is the memory's length at the end (it never shrinks); `peak mapped`
// the most bytes the client held mapped at once (transient over-maps included,
// `stats().peakMappedBytes`). Exact growth (the default here) leaves placement
// alone in the figure; `--growth default` adds the growth policy's one step.
// dlmalloc comes from Debian's emscripten package, compiled here into a temporary
// directory and never kept (third-party code); without it, or clang, that part is
// skipped with a notice.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { runGuest } from "@osal/wasm-guest/node";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { runWorkload } from "@osal/workloads";

const MiB = 2 ** 20;
const SLOT = 2 * MiB;

function option(name, fallback) {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 && at + 1 < process.argv.length ? process.argv[at + 1] : fallback;
}
function range(text) {
  const [from, to] = text.split("-").map(Number);
  return Array.from({ length: (to ?? from) - from + 1 }, (_, i) => from + i);
}

const growth = option("growth", "exact") === "default" ? undefined : "exact";
const steps = Number(option("steps", "20000"));
const seeds = range(option("seeds", "1-8"));
const only = new Set(option("only", "zend,sgen,dlmalloc").split(","));
const dlSteps = Number(option("dlmalloc-steps", "8000"));
const growthLabel = growth ?? "default";

const ratio = (a, b) => (b > 0 ? (a / b).toFixed(3) : "–");
const mib = (bytes) => (bytes / MiB).toFixed(1);
const rows = [];

console.log(`placement figures: growth ${growthLabel}, ${steps} steps, seeds ${seeds.join(",")}`);

/** The calls after which a client can hold more mapped than before. */
const MAPPING_CALLS = new Set(["dzmmapAnywhere", "dzmmapPreferred", "dzmmap", "mremap"]);

/**
 * `os` as the workload sees it, with `after()` run after every call that can map
 * more, so the slots a realloc holds for a moment (old and new block at once) count.
 */
function observeMappingCalls(os, after) {
  return new Proxy(os, {
    get(target, key) {
      const value = Reflect.get(target, key, target);
      if (typeof value !== "function") return value;
      if (!MAPPING_CALLS.has(key)) return value.bind(target);
      return (...args) => {
        const result = value.apply(target, args);
        after();
        return result;
      };
    },
  });
}

/**
 * zend on a fresh manager: footprint ÷ peak mapped and footprint ÷ floor, the
 * floor being the most 2 MiB slots held at once × 2 MiB (zend_alloc maps only
 * 2 MiB-aligned chunks and huge blocks, so any placement needs that much). Like
 * peak mapped, the floor counts what a call holds for a moment (a moving realloc
 * holds both blocks), not only what is held between steps (`stepFloor`).
 */
function zend(seed) {
  const os = createWasmPageManager({ growth });
  let slots = 0;
  let stepSlots = 0;
  const held = () => {
    let n = 0;
    for (const m of os.getMappings()) n += Math.ceil((m.end - m.start) / SLOT);
    return n;
  };
  const observed = observeMappingCalls(os, () => {
    slots = Math.max(slots, held());
  });
  const result = runWorkload("zend", observed, {
    steps,
    seed,
    sampleEvery: 1,
    onSample: () => {
      stepSlots = Math.max(stepSlots, held());
    },
  });
  const stats = os.stats();
  const floor = Math.max(slots, stepSlots) * SLOT;
  return {
    name: `zend seed ${seed}`,
    completed: result.completed,
    footprint: stats.peakFootprintBytes,
    peakMapped: stats.peakMappedBytes,
    floor,
    stepFloor: stepSlots * SLOT,
    // No placement ends lower: the floor's slots are 2 MiB aligned and page 0's is never used.
    lowest: floor + os.pageSize,
    failed: result.failedCalls,
  };
}

function sgen(seed) {
  const os = createWasmPageManager({ growth });
  const result = runWorkload("sgen", os, { steps, seed });
  const stats = os.stats();
  return {
    name: `sgen seed ${seed}`,
    completed: result.completed,
    footprint: stats.peakFootprintBytes,
    peakMapped: stats.peakMappedBytes,
    failed: result.failedCalls,
  };
}

const DLMALLOC = "/usr/share/emscripten/system/lib/dlmalloc.c";
const MMAP_ONLY = ["-DHAVE_MORECORE=0", "-DHAVE_MMAP=1", "-DHAVE_MREMAP=1", "-DUSE_DL_PREFIX"];

/** Builds the dlmalloc stress for wasi (as packages/wasm-guest/test/dlmalloc.test.ts does). */
function buildDlmalloc(dir) {
  if (!existsSync(DLMALLOC)) return `${DLMALLOC} is missing (apt-get install emscripten)`;
  if (spawnSync("clang", ["--version"], { stdio: "ignore" }).status !== 0) return "clang missing";
  const require = createRequire(import.meta.url);
  const driver = require.resolve("@osal/guests/c/dlmalloc/dlmalloc_stress.c");
  const flagsBin = join(
    dirname(require.resolve("@osal/wasm-guest/package.json")),
    "bin/osal-guest-flags.js",
  );
  const flags = (kind) =>
    execFileSync("node", [flagsBin, kind, "--toolchain", "wasi"]).toString().trim().split(" ");
  const wasi = ["--target=wasm32-wasi", "-O2"];
  const run = (args) => execFileSync("clang", args, { stdio: ["ignore", "ignore", "pipe"] });
  run([
    ...wasi,
    "-w",
    ...flags("--cflags"),
    ...MMAP_ONLY,
    "-D_GNU_SOURCE",
    "-c",
    DLMALLOC,
    "-o",
    join(dir, "dl.o"),
  ]);
  run([...wasi, "-c", driver, "-o", join(dir, "drv.o")]);
  run([
    ...wasi,
    join(dir, "drv.o"),
    join(dir, "dl.o"),
    ...flags("--libs"),
    "-o",
    join(dir, "dl.wasm"),
  ]);
  return undefined;
}

async function dlmalloc(file, seed, pageSize) {
  let os;
  const run = await runGuest({
    toolchain: "wasi",
    file,
    args: [`steps=${dlSteps}`, `seed=${seed}`],
    backend: ({ memory, source }) => {
      os = createWasmPageManager({ memory, source, pageSize, growth });
      return os;
    },
  });
  const line = run.stdout.split("\n").find((l) => l.startsWith("OSAL-DLMALLOC "));
  const figures = line ? JSON.parse(line.slice(14)) : { status: "no result" };
  const stats = os.stats();
  // The guest's own data and stack sit below the manager's first page: reported apart.
  const external = os
    .pageStates()
    .filter((r) => r.state === "external")
    .reduce((n, r) => n + r.end - r.start, 0);
  return {
    name: `dlmalloc ${pageSize / 1024} KiB pages seed ${seed}`,
    completed: figures.status === "ok",
    footprint: stats.peakFootprintBytes,
    peakMapped: stats.peakMappedBytes,
    external,
    failed: Object.values(stats.failedCalls).reduce((a, b) => a + b, 0),
  };
}

function print(r) {
  rows.push(r);
  console.log(
    `| ${r.name} | ${r.completed ? "ok" : "FAILED"} | ${mib(r.footprint)} | ${mib(r.peakMapped)} | ${ratio(r.footprint, r.peakMapped)} | ` +
      `${r.floor ? `${mib(r.floor)} | ${ratio(r.footprint, r.floor)}` : r.external !== undefined ? `guest ${mib(r.external)} | ${ratio(r.footprint - r.external, r.peakMapped)} (without guest)` : "– | –"} | ${r.failed} |`,
  );
}

console.log(
  "| run | status | footprint MiB | peak mapped MiB | footprint ÷ peak mapped | floor MiB | footprint ÷ floor | failed calls |",
);
console.log("|---|---|---:|---:|---:|---:|---:|---:|");
if (only.has("zend")) for (const seed of seeds) print(zend(seed));
if (only.has("sgen")) print(sgen(1));
if (only.has("dlmalloc")) {
  const dir = mkdtempSync(join(tmpdir(), "osal-placement-"));
  try {
    const skipped = buildDlmalloc(dir);
    if (skipped) console.log(`dlmalloc skipped: ${skipped}`);
    else {
      for (const pageSize of [65536, 4096]) {
        // The driver ORs its seed with 1: seed i runs as 2i - 1, so the runs differ.
        for (const seed of seeds) {
          print(await dlmalloc(join(dir, "dl.wasm"), 2 * seed - 1, pageSize));
        }
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Min–max of a figure over the rows whose name starts with `prefix`. */
function spread(prefix, figure, digits = 3) {
  const values = rows.filter((r) => r.name.startsWith(prefix)).map(figure);
  if (values.length === 0) return "–";
  return `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;
}
console.log("\nsummary (min–max over seeds):");
console.log(`  zend footprint ÷ peak mapped  ${spread("zend", (r) => r.footprint / r.peakMapped)}`);
console.log(`  zend footprint ÷ floor        ${spread("zend", (r) => r.footprint / r.floor)}`);
console.log(
  `  zend footprint ÷ step floor   ${spread("zend", (r) => r.footprint / r.stepFloor)} (slots held between steps only)`,
);
console.log(
  `  zend lowest reachable ÷ peak mapped ${spread("zend", (r) => r.lowest / r.peakMapped)} (floor + a page: no placement ends lower)`,
);
console.log(`  zend failed calls             ${spread("zend", (r) => r.failed, 0)}`);
console.log(`  sgen footprint ÷ peak mapped  ${spread("sgen", (r) => r.footprint / r.peakMapped)}`);
for (const k of [64, 4]) {
  console.log(
    `  dlmalloc ${k} KiB ÷ peak mapped ${spread(`dlmalloc ${k} KiB`, (r) => r.footprint / r.peakMapped)}` +
      ` (without the guest's own memory ${spread(`dlmalloc ${k} KiB`, (r) => (r.footprint - r.external) / r.peakMapped)})`,
  );
}
