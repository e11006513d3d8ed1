// The benchmark: `npx vitest bench --run` in this package (or
// `npx vitest bench --project wasm-posix-memalign --run` from the root).
// - zend, 20 000 steps: completes, and the only failed calls are the in-place mremap
//   ENOMEMs zend_alloc expects (it falls back to map-new-copy-free); the line reports
//   peak linear memory / peak live (`footprintRatio`, target <= 1.5: `withinOneAndAHalf`).
// - sgen, 20 000 steps: completes, and not one byte of first-time memory is zeroed
//   (zeroing happens only on sections that reuse memory handed out before).
// Each run prints one JSON line of figures; a failed criterion throws.
import { runWorkload } from "@osal/workloads";
import { bench, describe } from "vitest";
import { type AlignedAllocator, bundledAllocator, createWasmPosixMemalign } from "../src/index.js";

const STEPS = 20_000;
const SEED = 1;
const once = { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 };

describe("wasm-posix-memalign workloads", () => {
  bench(
    `zend ${STEPS} steps`,
    () => {
      const os = createWasmPosixMemalign();
      const result = runWorkload("zend", os, { steps: STEPS, seed: SEED });
      const { calls, failedCalls } = os.stats();
      const withinOneAndAHalf = result.footprintRatio <= 1.5;
      report("zend", { ...result, withinOneAndAHalf, calls, failedCallsByKind: failedCalls });
      const unexpected = result.failedCalls - failedCalls.mremap;
      if (!result.completed) throw new Error(`zend failed: ${JSON.stringify(result.failure)}`);
      if (unexpected !== 0) throw new Error(`zend: ${unexpected} failed calls besides mremap`);
    },
    once,
  );

  bench(
    `sgen ${STEPS} steps`,
    () => {
      const tracked = firstTimeTracking(bundledAllocator());
      const os = createWasmPosixMemalign({ allocator: tracked.allocator });
      const mapAnywhere = os.dzmmapAnywhere.bind(os);
      let firstTimeZeroed = 0;
      let recycledZeroed = 0;
      os.dzmmapAnywhere = (size, align, strategy, annotation) => {
        const before = os.stats().zeroedBytes;
        const start = mapAnywhere(size, align, strategy, annotation);
        const zeroed = os.stats().zeroedBytes - before;
        // Zeroing beyond the recycled bytes of this block would be first-time memory.
        firstTimeZeroed += Math.max(0, zeroed - tracked.lastRecycledBytes);
        recycledZeroed += Math.min(zeroed, tracked.lastRecycledBytes);
        return start;
      };
      const result = runWorkload("sgen", os, { steps: STEPS, seed: SEED });
      report("sgen", {
        ...result,
        firstTimeBytes: tracked.firstTimeBytes,
        firstTimeZeroed,
        recycledZeroed,
      });
      if (!result.completed) throw new Error(`sgen failed: ${JSON.stringify(result.failure)}`);
      if (firstTimeZeroed !== 0)
        throw new Error(`sgen: ${firstTimeZeroed} first-time bytes zeroed`);
      if (result.zeroedBytes !== recycledZeroed) throw new Error("sgen: zeroing outside mmap");
    },
    once,
  );
});

/**
 * Wraps an allocator to tell, independently of the backend, how many bytes of each
 * block it returns were handed out before (by address, at byte granularity).
 */
function firstTimeTracking(inner: AlignedAllocator) {
  const everUsed: [number, number][] = [];
  const state = {
    lastRecycledBytes: 0,
    firstTimeBytes: 0,
    allocator: {
      ...inner,
      alignedAlloc(align: number, size: number): number {
        const start = inner.alignedAlloc(align, size);
        if (start === 0) return 0;
        const end = start + size;
        let recycled = 0;
        for (const [from, to] of everUsed)
          recycled += Math.max(0, Math.min(to, end) - Math.max(from, start));
        state.lastRecycledBytes = recycled;
        state.firstTimeBytes += size - recycled;
        everUsed.push([start, end]);
        merge(everUsed);
        return start;
      },
    } as AlignedAllocator,
  };
  return state;
}

function merge(ranges: [number, number][]): void {
  ranges.sort((a, b) => a[0] - b[0]);
  let out = 0;
  for (const range of ranges) {
    const last = ranges[out - 1];
    if (last !== undefined && range[0] <= last[1]) last[1] = Math.max(last[1], range[1]);
    else ranges[out++] = range;
  }
  ranges.length = out;
}

function report(name: string, figures: object): void {
  console.log(`[wasm-posix-memalign bench] ${name} ${JSON.stringify(figures)}`);
}
