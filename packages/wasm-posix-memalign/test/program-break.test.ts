import { MiB } from "@osal/core";
import { describe, expect, it } from "vitest";
import { type AlignedAllocator, createWasmPosixMemalign, guestAllocator } from "../src/index.js";
import { allZero, RW } from "./helpers.js";
import { wasm } from "./wasm.js";

/**
 * An allocator in the way of Emscripten's: a bump allocator whose break starts
 * below the memory's size (Emscripten's sbrk over-grows the memory) and only
 * moves up unless `lower` is called; it writes nothing in the blocks it returns.
 */
function breakAllocator(memoryBytes: number, breakAt: number) {
  const memory = new wasm.Memory({ initial: memoryBytes / 65536, maximum: 1024 });
  const state = { brk: breakAt, freed: [] as number[] };
  const allocator: AlignedAllocator = {
    memory,
    maximumBytes: 1024 * 65536,
    pristineUntilHandedOut: false,
    alignedAlloc(align, size) {
      const start = Math.ceil(state.brk / align) * align;
      const end = start + size;
      const grow = Math.ceil((end - memory.buffer.byteLength) / 65536);
      if (grow > 0) memory.grow(grow);
      state.brk = end;
      return start;
    },
    free: (address) => state.freed.push(address),
    programBreak: () => state.brk,
  };
  return { allocator, memory, state };
}

describe("fresh memory from the program break (CoreCLR's rule)", () => {
  it("skips zeroing above sbrk(0) before the call, though below the memory's size", () => {
    const { allocator, state } = breakAllocator(4 * MiB, MiB);
    const os = createWasmPosixMemalign({ allocator });
    const start = os.dzmmapAnywhere(MiB, 16384, RW);
    expect(start).toBe(MiB);
    expect(os.stats().zeroedBytes).toBe(0);
    expect(allZero(os.read(start, MiB))).toBe(true);
    // Without the break the same call zeroes the part below the memory's size.
    const { allocator: sizeOnly } = breakAllocator(4 * MiB, MiB);
    const { programBreak: _unused, ...withoutBreak } = sizeOnly;
    const baseline = createWasmPosixMemalign({ allocator: withoutBreak });
    baseline.dzmmapAnywhere(MiB, 16384, RW);
    expect(baseline.stats().zeroedBytes).toBe(MiB);
    expect(state.brk).toBe(2 * MiB);
  });

  it("memory below the break is zeroed: it may have been handed out before", () => {
    const { allocator, memory, state } = breakAllocator(4 * MiB, MiB);
    const os = createWasmPosixMemalign({ allocator });
    new Uint8Array(memory.buffer).fill(0xee, MiB, 2 * MiB);
    state.brk = 2 * MiB; // the guest's own malloc took [1 MiB, 2 MiB) and wrote to it
    const start = os.dzmmapAnywhere(MiB, 16384, RW);
    expect(start).toBe(2 * MiB);
    expect(os.stats().zeroedBytes).toBe(0);
    os.munmap(start, MiB);
    state.brk = MiB + 16384; // a break that moves down is no longer trusted
    const again = os.dzmmapAnywhere(MiB, 16384, RW);
    expect(again).toBe(MiB + 16384);
    expect(allZero(os.read(again, MiB))).toBe(true);
    expect(os.stats().zeroedBytes).toBe(MiB);
  });

  it("refuses a programBreak that is not a function", () => {
    const { allocator } = breakAllocator(4 * MiB, MiB);
    const bad = { ...allocator, programBreak: 5 as unknown as () => number };
    expect(() => createWasmPosixMemalign({ allocator: bad })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
  });

  it("guestAllocator reads the break from an exported sbrk", () => {
    const { allocator, state } = breakAllocator(4 * MiB, MiB);
    let calls = 0;
    const exports = {
      aligned_alloc: (align: number, size: number) => allocator.alignedAlloc(align, size),
      free: (address: number) => allocator.free(address),
      sbrk: (increment: number) => {
        calls++;
        expect(increment).toBe(0);
        return state.brk;
      },
      memory: allocator.memory,
    };
    const guest = guestAllocator({ exports });
    expect(guest.programBreak?.()).toBe(MiB);
    const os = createWasmPosixMemalign({ allocator: guest });
    os.dzmmapAnywhere(MiB, 16384, RW);
    expect(os.stats().zeroedBytes).toBe(0);
    expect(calls).toBeGreaterThan(1);
    expect(guestAllocator({ exports: { ...exports, sbrk: undefined } }).programBreak).toBe(
      undefined,
    );
  });
});
