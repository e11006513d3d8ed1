import { threadView } from "@osal/conformance";
import { createLinearMemory, KiB, MiB, MmapStrategy } from "@osal/core";
import { expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";

// The page manager zeroes and moves pages that another worker grew, though its
// thread's `memory.buffer` may not reach them yet (Note [A shared memory's
// length in another thread], core's current-buffer.ts): the engine asks the
// memory for its length instead of trusting a stale buffer, which would make
// zeroing and copying there do nothing.
it("zeroes and copies pages another thread grew, whatever this thread's memory.buffer says", () => {
  const page = 64 * KiB;
  const memory = createLinearMemory(4 * MiB, true);
  // Two workers' views of one memory (threadView: each sees only its own growth).
  const main = createWasmPageManager({ memory: threadView(memory), shared: true });
  const worker = createWasmPageManager({
    memory: threadView(memory),
    shared: { state: main.state as SharedArrayBuffer },
  });
  const rw = MmapStrategy.DEFAULT;
  // The main thread grows by 16 pages, dirties them all and unmaps them again.
  const grown = main.dzmmapAnywhere(16 * page, page, rw);
  main.fill(grown, 16 * page, 0xab);
  main.munmap(grown, 16 * page);
  // The worker maps there: its pages are zeroed.
  const block = worker.dzmmapAnywhere(2 * page, page, rw);
  expect(block).toBe(grown);
  expect(worker.read(block, 2 * page).every((byte) => byte === 0)).toBe(true);
  const pattern = Uint8Array.from({ length: 2 * page }, (_, i) => (i * 7 + 3) & 0xff);
  worker.write(block, pattern);
  // With a neighbour right after it, growing the mapping moves it, bytes and all.
  expect(worker.dzmmapAnywhere(page, page, rw)).toBe(grown + 2 * page);
  const moved = worker.mremap(block, 2 * page, 5 * page, { mayMove: true });
  expect(moved).toBe(grown + 3 * page);
  expect(Buffer.compare(worker.read(moved, 2 * page), pattern)).toBe(0);
  expect(worker.read(moved + 2 * page, 3 * page).every((byte) => byte === 0)).toBe(true);
  expect(Buffer.compare(main.read(moved, 2 * page), pattern)).toBe(0);
});
