import { MmapAnnotation, MmapStrategy } from "@osal/core";
import { createWasmPageManager, type WasmPageManager } from "@osal/wasm-page-manager";

/**
 * The page manager's scaling figures of issue 17, measured in one run:
 * - map+unmap of 2-page pairs in a table of 1 000 and of 60 000 live pages
 *   with a one-page hole every 16th page (the table is built with one mapping
 *   and 1-page unmaps, so building it costs nothing worth timing), next to a
 *   hot `fill(0)` of the pair's bytes in the same memory: the zeroing each pair
 *   pays for its dirty pages is the floor of what a pair can cost;
 * - the table-build time: 60 000 one-page mappings made call by call on a
 *   fresh, non-shared memory, and the share of it spent in `memory.grow`.
 * Every figure is a median of batches, so one slow batch (a GC, another
 * process) moves it little. Batches run after an untimed warm-up of 24 000
 * pairs: after the workloads of `osal bench`, the first 8 000 pairs ran 2–5×
 * slower and a second slow stretch came near 20 000 while V8 compiled (20–50 ms
 * a function in the background on 2 busy cores).
 */
export interface ScalingReport {
  /** Backend measured. */
  readonly backend: string;
  /** Its page size in bytes. */
  readonly pageSize: number;
  /** Pages per map+unmap pair. */
  readonly pairPages: number;
  /** One row per table size. */
  readonly pairs: readonly PairFigure[];
  /** µs per pair at the largest table over µs per pair at the smallest. */
  readonly slowdown: number;
  /** µs to `fill(0)` one pair's bytes (already in cache): the memset floor of a pair. */
  readonly memsetUsPerPair: number;
  /** The call-by-call table build. */
  readonly tableBuild: TableBuildFigure;
}

/** Map+unmap pairs in a table of `livePages` live pages. */
export interface PairFigure {
  /** Live pages in the table while pairs run. */
  readonly livePages: number;
  /** Median µs per map+unmap pair. */
  readonly usPerPair: number;
  /** `1 / usPerPair`, in pairs per second. */
  readonly pairsPerSecond: number;
}

/** Building a table of one-page mappings, one `dzmmapAnywhere` per page. */
export interface TableBuildFigure {
  /** Mappings made. */
  readonly mappings: number;
  /** Wall time of the build in ms. */
  readonly ms: number;
  /** Time spent inside `memory.grow` in ms. */
  readonly growMs: number;
  /** `memory.grow` calls made. */
  readonly grows: number;
  /** Linear memory at the end of the build, in bytes. */
  readonly memoryBytes: number;
  /** Bytes mapped at the end (`mappings × pageSize`): memory minus this is what growth ahead costs. */
  readonly mappedBytes: number;
}

/** What {@link measureScaling} measures. */
export interface ScalingPlan {
  /** Table sizes for the pair figure (default 1 000 and 60 000). */
  readonly livePages?: readonly number[];
  /** Mappings of the table-build figure (default 60 000). */
  readonly buildMappings?: number;
  /** Pairs per batch (default 2 000); the figure is the median of `batches` batches. */
  readonly pairsPerBatch?: number;
  /** Batches per figure (default 7). */
  readonly batches?: number;
  /** Untimed batches before each table's figure (default 12). */
  readonly warmupBatches?: number;
  /** Told before each part starts. */
  readonly onProgress?: (label: string) => void;
}

const PAIR_PAGES = 2;
/** Every `HOLE_EVERY`th page of the table is a hole. */
const HOLE_EVERY = 16;
const annotation = MmapAnnotation.misc("osal-bench");

/** Measures the {@link ScalingReport} on the page manager (64 KiB pages). */
export function measureScaling(plan: ScalingPlan = {}): ScalingReport {
  const livePages = plan.livePages ?? [1_000, 60_000];
  const pairsPerBatch = plan.pairsPerBatch ?? 2_000;
  const batches = plan.batches ?? 7;
  const warmup = plan.warmupBatches ?? 12;
  const pairs: PairFigure[] = [];
  let memsetUsPerPair = 0;
  let pageSize = 0;
  for (const live of livePages) {
    plan.onProgress?.(`map+unmap pairs among ${live} live pages`);
    const os = holedTable(live);
    pageSize = os.pageSize;
    for (let i = 0; i < warmup; i++) timePairs(os, pairsPerBatch);
    const usPerPair = medianOf(
      batches,
      () => (timePairs(os, pairsPerBatch) * 1000) / pairsPerBatch,
    );
    pairs.push({ livePages: live, usPerPair, pairsPerSecond: 1e6 / usPerPair });
    if (live === livePages[livePages.length - 1]) {
      timeMemset(os, pairsPerBatch);
      memsetUsPerPair = medianOf(
        batches,
        () => (timeMemset(os, pairsPerBatch) * 1000) / pairsPerBatch,
      );
    }
  }
  const first = pairs[0];
  const last = pairs[pairs.length - 1];
  plan.onProgress?.(`table build: ${plan.buildMappings ?? 60_000} one-page mappings`);
  const tableBuild = buildTable(plan.buildMappings ?? 60_000);
  return {
    backend: "wasm-page-manager",
    pageSize,
    pairPages: PAIR_PAGES,
    pairs,
    slowdown: first !== undefined && last !== undefined ? last.usPerPair / first.usPerPair : 1,
    memsetUsPerPair,
    tableBuild,
  };
}

/** A page manager holding `live` pages, every 16th page of their range a hole. */
function holedTable(live: number): WasmPageManager {
  const os = createWasmPageManager();
  const page = os.pageSize;
  const span = Math.ceil((live * HOLE_EVERY) / (HOLE_EVERY - 1));
  const base = os.dzmmapAnywhere(span * page, page, MmapStrategy.DEFAULT, annotation);
  for (let i = HOLE_EVERY - 1; i < span; i += HOLE_EVERY) os.munmap(base + i * page, page);
  return os;
}

/**
 * ms for `count` map+unmap pairs of {@link PAIR_PAGES} pages. The manager counts
 * unmapped pages as dirty, so every pair after the first zeroes its pages.
 */
function timePairs(os: WasmPageManager, count: number): number {
  const size = PAIR_PAGES * os.pageSize;
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    const at = os.dzmmapAnywhere(size, os.pageSize, MmapStrategy.DEFAULT, annotation);
    os.munmap(at, size);
  }
  return performance.now() - started;
}

/** ms for `count` hot `fill(0)`s of one pair's bytes in the manager's memory. */
function timeMemset(os: WasmPageManager, count: number): number {
  const size = PAIR_PAGES * os.pageSize;
  const at = os.dzmmapAnywhere(size, os.pageSize, MmapStrategy.DEFAULT, annotation);
  const bytes = new Uint8Array(os.memory.buffer, at, size);
  const started = performance.now();
  for (let i = 0; i < count; i++) {
    bytes[i & (size - 1)] = 1;
    bytes.fill(0);
  }
  const ms = performance.now() - started;
  os.munmap(at, size);
  return ms;
}

/** Builds `mappings` one-page mappings call by call on a fresh non-shared memory, timing `memory.grow`. */
function buildTable(mappings: number): TableBuildFigure {
  const os = createWasmPageManager();
  const memory = os.memory;
  let growMs = 0;
  let grows = 0;
  const grow = memory.grow.bind(memory);
  // Own property on this one memory: every grow the manager makes is timed.
  Object.defineProperty(memory, "grow", {
    value: (delta: number): number => {
      const started = performance.now();
      try {
        return grow(delta);
      } finally {
        growMs += performance.now() - started;
        grows++;
      }
    },
  });
  const page = os.pageSize;
  const started = performance.now();
  for (let i = 0; i < mappings; i++) {
    os.dzmmapAnywhere(page, page, MmapStrategy.DEFAULT, annotation);
  }
  const ms = performance.now() - started;
  return {
    mappings,
    ms,
    growMs,
    grows,
    memoryBytes: memory.buffer.byteLength,
    mappedBytes: mappings * page,
  };
}

/** The median of `runs` results of `measure`. */
function medianOf(runs: number, measure: () => number): number {
  const values = Array.from({ length: runs }, measure).sort((a, b) => a - b);
  return values[Math.floor(values.length / 2)]!;
}
