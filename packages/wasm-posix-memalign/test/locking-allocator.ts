import type { AlignedAllocator } from "../src/index.js";
import { wasm } from "./wasm.js";

const WASM_PAGE = 64 * 1024;

/**
 * A thread-safe aligned allocator over a shared `WebAssembly.Memory`, for the
 * tests: first fit in address order above 64 KiB, its block list kept in JS
 * and every call under a lock taken with `Atomics` on a shared word (what a
 * guest's `-pthread` dlmalloc does with its mutex). `beforeAlloc` runs inside
 * the lock, before the search: the tests use it to play another thread that
 * grows the memory and writes in it meanwhile.
 */
export function lockingAllocator(maximumBytes: number, beforeAlloc?: () => void): AlignedAllocator {
  const memory = new wasm.Memory({
    initial: 2,
    maximum: maximumBytes / WASM_PAGE,
    shared: true,
  });
  const lock = new Int32Array(new SharedArrayBuffer(4));
  const blocks: { start: number; end: number }[] = [];
  const locked = <T>(body: () => T): T => {
    while (Atomics.compareExchange(lock, 0, 0, 1) !== 0) Atomics.wait(lock, 0, 1);
    try {
      return body();
    } finally {
      Atomics.store(lock, 0, 0);
      Atomics.notify(lock, 0, 1);
    }
  };
  const place = (align: number, size: number): number => {
    const alignUp = (address: number) => Math.ceil(address / align) * align;
    let candidate = alignUp(WASM_PAGE);
    for (const block of blocks) {
      if (candidate + size <= block.start) break;
      candidate = Math.max(candidate, alignUp(block.end));
    }
    return candidate + size <= maximumBytes ? candidate : 0;
  };
  return {
    memory,
    maximumBytes,
    pristineUntilHandedOut: false,
    threadSafe: true,
    alignedAlloc: (align, size) =>
      locked(() => {
        beforeAlloc?.();
        const start = place(align, size);
        if (start === 0) return 0;
        const end = start + size;
        if (end > memory.buffer.byteLength) {
          memory.grow(Math.ceil((end - memory.buffer.byteLength) / WASM_PAGE));
        }
        blocks.push({ start, end });
        blocks.sort((a, b) => a.start - b.start);
        return start;
      }),
    free: (address) =>
      locked(() => {
        const index = blocks.findIndex((block) => block.start === address);
        if (index >= 0) blocks.splice(index, 1);
      }),
  };
}
