import { runSweep, SWEEP_SEED, SWEEP_STEPS, unmapAll } from "@osal/conformance";
import { MiB } from "@osal/core";
import { describe, expect, it } from "vitest";
import { type AlignedAllocator, bundledAllocator, createWasmPosixMemalign } from "../src/index.js";
import { PAGE, RW, spy } from "./helpers.js";

/**
 * The bundled allocator, recording every live block, whose `alignedAlloc` returns 0
 * (as posix_memalign does when its `memory.grow` fails) from its `failAt`-th call
 * until the current call to the backend ends. The allocator grows its memory from
 * inside wasm, where JS cannot intercept `memory.grow`: a failed grow reaches the
 * backend only as this 0.
 */
function failingAllocator(failAt: number) {
  const inner = spy(bundledAllocator({ maximumBytes: 16 * MiB }));
  const state = { calls: 0, fired: false, failing: true };
  const allocator: AlignedAllocator = {
    memory: inner.memory,
    maximumBytes: inner.maximumBytes,
    pristineUntilHandedOut: inner.pristineUntilHandedOut,
    alignedAlloc(align, size) {
      state.calls++;
      if (state.calls === failAt) state.fired = true;
      if (state.fired && state.failing) return 0;
      return inner.alignedAlloc(align, size);
    },
    free: (address) => inner.free(address),
  };
  return {
    allocator,
    live: inner.live,
    state,
    endStep() {
      if (state.fired) state.failing = false;
    },
  };
}

describe(`fault sweep (seed ${SWEEP_SEED.toString(16)}, ${SWEEP_STEPS} calls)`, () => {
  it("the allocator returning 0 at every point: ENOMEM, nothing changed, no block leaked", () => {
    let faults = 0;
    for (let failAt = 1; ; failAt++) {
      const subject = failingAllocator(failAt);
      const os = createWasmPosixMemalign({ allocator: subject.allocator });
      const memory = subject.allocator.memory;
      const run = runSweep(
        { os, pageSize: os.pageSize, memoryBytes: () => memory.buffer.byteLength },
        {
          beforeStep: () => subject.endStep(),
          fired: () => subject.state.fired && subject.state.failing,
        },
      );
      expect(run.problems, `fault at alignedAlloc ${failAt}`).toEqual([]);
      const fired = subject.state.fired;
      subject.state.failing = false; // the checks below run with a healthy allocator
      unmapAll(os);
      // No leak: no mapping, nothing counted as mapped, every block given back to
      // the allocator, and the memory is reused without growing.
      expect(os.getMappings()).toEqual([]);
      expect(os.stats().mappedBytes).toBe(0);
      expect([...subject.live]).toEqual([]);
      const bytes = memory.buffer.byteLength;
      const again = os.dzmmapAnywhere(4 * PAGE, PAGE, RW);
      expect(again + 4 * PAGE).toBeLessThanOrEqual(bytes);
      expect(memory.buffer.byteLength).toBe(bytes);
      if (!fired) break;
      // posix-memalign never remaps in place: a fault fails its call.
      expect(run.absorbed, `fault at alignedAlloc ${failAt}`).toEqual([]);
      expect(run.failedByFault, `fault at alignedAlloc ${failAt}`).toBe(1);
      faults++;
      expect(failAt).toBeLessThan(1000);
    }
    expect(faults).toBeGreaterThan(10);
    // Every fallback attempt is a point to fail at: a few thousand backends in all.
  }, 60_000);
});
