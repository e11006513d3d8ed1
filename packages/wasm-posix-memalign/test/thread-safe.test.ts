import { runConformance } from "@osal/conformance";
import { MiB, MmapError, MmapStrategy, SharedMemoryError } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPosixMemalign, guestAllocator } from "../src/index.js";
import { allZero, dlmallocGuest } from "./helpers.js";
import { lockingAllocator } from "./locking-allocator.js";
import { wasm } from "./wasm.js";

const PAGE = 64 * 1024;

function sharedMemory(pages: number) {
  return new wasm.Memory({ initial: pages, maximum: pages, shared: true });
}

describe("threadSafe is exactly the allocator's", () => {
  it("is false on the bundled allocator, which takes no lock", () => {
    const os = createWasmPosixMemalign({ maximumBytes: 16 * MiB });
    expect(os.allocator.threadSafe).toBe(false);
    expect(os.capabilities.threadSafe).toBe(false);
  });

  it("is what the caller declares for a guest's allocator (false by default)", () => {
    const single = guestAllocator({ exports: dlmallocGuest(), maximumBytes: 64 * MiB });
    expect(createWasmPosixMemalign({ allocator: single }).capabilities.threadSafe).toBe(false);
    const declared = guestAllocator({
      exports: dlmallocGuest(),
      maximumBytes: 64 * MiB,
      threadSafe: true,
    });
    expect(createWasmPosixMemalign({ allocator: declared }).capabilities.threadSafe).toBe(true);
  });

  it("refuses a shared memory with core's SharedMemoryError unless the allocator is thread-safe", () => {
    const exports = { aligned_alloc: () => 0, free: () => {} };
    const refuse = () => guestAllocator({ exports, memory: sharedMemory(4) });
    expect(refuse).toThrow(SharedMemoryError);
    try {
      refuse();
    } catch (error) {
      expect(error).toBeInstanceOf(MmapError);
      expect((error as MmapError).code).toBe("ENOTSUP");
    }
    const allocator = guestAllocator({ exports, memory: sharedMemory(4), threadSafe: true });
    expect(createWasmPosixMemalign({ allocator }).capabilities.threadSafe).toBe(true);
    expect(() =>
      createWasmPosixMemalign({ allocator: { ...allocator, threadSafe: false } }),
    ).toThrow(SharedMemoryError);
    expect(() => guestAllocator({ exports, threadSafe: "yes" as never })).toThrow(MmapError);
  });

  it("zeroes memory another thread grew and wrote during the call", () => {
    let scribble = false;
    const allocator = lockingAllocator(64 * MiB, () => {
      if (!scribble) return;
      // Another thread grows the heap and writes there while our call runs.
      const before = allocator.memory.buffer.byteLength;
      allocator.memory.grow(4);
      new Uint8Array(allocator.memory.buffer).fill(0xee, before, before + 4 * PAGE);
    });
    const os = createWasmPosixMemalign({ allocator, pageSize: PAGE, largeAlignment: PAGE });
    expect(os.capabilities.threadSafe).toBe(true);
    scribble = true;
    const size = allocator.memory.buffer.byteLength + 4 * PAGE;
    const start = os.dzmmapAnywhere(size, PAGE, MmapStrategy.DEFAULT);
    expect(allZero(os.read(start, size))).toBe(true);
    expect(os.stats().zeroedBytes).toBe(size);
  });
});

// The whole suite on a shared memory with a thread-safe (locking) allocator.
runConformance("wasm-posix-memalign (shared memory, thread-safe allocator)", () =>
  createWasmPosixMemalign({ allocator: lockingAllocator(256 * MiB) }),
);
