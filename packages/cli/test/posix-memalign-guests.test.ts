import { describe, expect, it } from "vitest";
import { allRunners } from "../src/index.js";

const runners = allRunners();
const runner = (name: string) => {
  const found = runners.find((r) => r.name === name);
  if (found === undefined) throw new Error(`no runner ${name}`);
  return found;
};

// Before the allocator fallbacks, Emscripten's aligned_alloc (NULL for a size that
// is not a multiple of the alignment) stopped zend at step 1, ghc at step 2 and
// mmtk at step 0; mmtk's side metadata (MAP_FIXED_NOREPLACE into the quarantine)
// also stopped it on the wasi-libc build.
describe("the C guests on wasm-posix-memalign over the guest's own allocator", () => {
  for (const workload of ["zend", "ghc", "mmtk"] as const) {
    for (const toolchain of ["emscripten", "wasi"] as const) {
      it(`${workload} (${toolchain}) completes, with its footprint and a memory map`, async () => {
        const outcome = await runner(`${toolchain}-guest@wasm-posix-memalign`).run(workload, {
          steps: 300,
          seed: 3,
        });
        const { result } = outcome;
        expect(result.failure).toBeUndefined();
        expect(result.completed).toBe(true);
        expect(result.stepsDone).toBe(300);
        expect(result.peakLiveBytes).toBeGreaterThan(0);
        expect(result.peakFootprintBytes).toBeGreaterThanOrEqual(result.peakLiveBytes);
        expect(outcome.finalMap).toBeDefined();
      }, 60_000);
    }
  }
});
