import { GiB, MiB, MmapError } from "@osal/core";
import { describe, expect, it } from "vitest";
import {
  AllocatorContractError,
  bundledAllocator,
  createWasmPosixMemalign,
  guestAllocator,
  type LinearMemory,
} from "../src/index.js";
import { PAGE, RW } from "./helpers.js";
import { wasm } from "./wasm.js";

/**
 * A stand-in for a wasm64 guest on Node 20 (which has no memory64 past 4 GiB;
 * the real wasm64 guest runs in tests/memory64 on Node 24): a memory whose
 * `type()` says `address: "i64"` (core's `isMemory64` believes it), over a
 * small buffer, and exports that speak BigInt as a wasm64 module's do.
 */
function fakeWasm64Guest(next: bigint) {
  const buffer = new ArrayBuffer(4 * MiB);
  const memory = {
    buffer,
    grow: () => {
      throw new RangeError("the fake memory does not grow");
    },
    type: () => ({ address: "i64", minimum: 64n, maximum: 262144n, shared: false }),
  } as unknown as LinearMemory;
  const calls: unknown[][] = [];
  const exports = {
    memory,
    aligned_alloc: (align: unknown, size: unknown) => {
      calls.push(["aligned_alloc", align, size]);
      return next;
    },
    free: (address: unknown) => {
      calls.push(["free", address]);
    },
    sbrk: (increment: unknown) => {
      calls.push(["sbrk", increment]);
      return 2n * BigInt(MiB);
    },
  };
  return { exports, memory, calls };
}

describe("memory64", () => {
  it("the bundled allocator (wasm32) refuses a maximum above 4 GiB with ENOTSUP naming the fix", () => {
    for (const make of [
      () => createWasmPosixMemalign({ maximumBytes: 16 * GiB }),
      () => bundledAllocator({ maximumBytes: 4 * GiB + 65536 }),
    ]) {
      let error: unknown;
      try {
        make();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(MmapError);
      expect(error).toMatchObject({ code: "ENOTSUP" });
      expect((error as Error).message).toMatch(/guestAllocator.*wasm64/);
    }
    // Not a memory64 size at all: still EINVAL, as before.
    for (const maximumBytes of [4 * GiB + 1000, 2 ** 53]) {
      expect(() => createWasmPosixMemalign({ maximumBytes })).toThrow(
        expect.objectContaining({ code: "EINVAL" }),
      );
    }
    expect(createWasmPosixMemalign({ maximumBytes: 4 * GiB }).addressSpaceEnd).toBe(4 * GiB);
  });

  it("a wasm64 guest's allocator gets BigInt arguments and its i64 addresses come back as numbers", () => {
    const guest = fakeWasm64Guest(BigInt(3 * MiB));
    const allocator = guestAllocator({ exports: guest.exports });
    // The declared maximum (262144 pages, 16 GiB) is taken: past 4 GiB on memory64.
    expect(allocator.maximumBytes).toBe(16 * GiB);
    expect(allocator.programBreak?.()).toBe(2 * MiB);
    const os = createWasmPosixMemalign({ allocator });
    expect(os.addressSpaceEnd).toBe(16 * GiB);
    const start = os.dzmmapAnywhere(PAGE, PAGE, RW);
    expect(start).toBe(3 * MiB);
    os.write(start, Uint8Array.of(1, 2, 3));
    expect(new Uint8Array(guest.memory.buffer, start, 3)).toEqual(Uint8Array.of(1, 2, 3));
    os.munmap(start, PAGE);
    expect(guest.calls).toContainEqual(["aligned_alloc", BigInt(PAGE), BigInt(PAGE)]);
    expect(guest.calls).toContainEqual(["free", BigInt(3 * MiB)]);
    expect(guest.calls).toContainEqual(["sbrk", 0n]);
    expect(guest.calls.flat().every((value) => typeof value !== "number")).toBe(true);
  });

  it("an address a JS number cannot hold exactly is the allocator's contract error, and -1 reads unsigned", () => {
    const high = guestAllocator({ exports: fakeWasm64Guest(2n ** 53n).exports });
    expect(() => high.alignedAlloc(PAGE, PAGE)).toThrow(AllocatorContractError);
    const negative = guestAllocator({ exports: fakeWasm64Guest(-1n).exports });
    expect(() => negative.alignedAlloc(PAGE, PAGE)).toThrow(AllocatorContractError);
    // Through the backend: ENOMEM, nothing mapped.
    const os = createWasmPosixMemalign({ allocator: high });
    expect(() => os.dzmmapAnywhere(PAGE, PAGE, RW)).toThrow(
      expect.objectContaining({ code: "ENOMEM" }),
    );
    expect(os.getMappings()).toEqual([]);
  });

  it("lifts the 4 GiB cap for memory64 only", () => {
    const guest = fakeWasm64Guest(0n);
    expect(guestAllocator({ exports: guest.exports, maximumBytes: 2 ** 40 }).maximumBytes).toBe(
      2 ** 40,
    );
    expect(() => guestAllocator({ exports: guest.exports, maximumBytes: 2 ** 53 })).toThrow(
      /below 2\^53 \(memory64\)/,
    );
    // A memory32 guest keeps its limit and its message.
    const memory32 = { ...guest.exports, memory: new wasm.Memory({ initial: 1 }) };
    expect(() => guestAllocator({ exports: memory32, maximumBytes: 8 * GiB })).toThrow(
      /at most 4 GiB and at least the memory's size/,
    );
    const inner = bundledAllocator({ maximumBytes: 4 * MiB });
    expect(() =>
      createWasmPosixMemalign({ allocator: { ...inner, maximumBytes: 8 * GiB } }),
    ).toThrow(/from a page to 4 GiB/);
  });
});
