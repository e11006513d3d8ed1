import { threadView } from "@osal/conformance";
import { createLinearMemory, KiB, MiB } from "@osal/core";
import { expect, it } from "vitest";
import { createGhcMegablock } from "../src/index.js";

// A backend zeroes and moves megablocks that another worker grew, though its
// thread's `memory.buffer` may not reach them yet (Note [A shared memory's
// length in another thread], core's current-buffer.ts). Before the fix a move
// there copied nothing (workers.test.ts failed 1 run in ~20 at 64 MiB) and
// fresh megablocks kept the other worker's bytes.
it("zeroes and copies megablocks another thread grew, whatever this thread's memory.buffer says", () => {
  const mb = 64 * KiB;
  const memory = createLinearMemory(64 * MiB, true);
  // Two workers' views of one memory (threadView: each sees only its own growth).
  const main = createGhcMegablock({ memory: threadView(memory), megablockSize: mb });
  const worker = createGhcMegablock({
    memory: threadView(memory),
    shared: { state: main.state as SharedArrayBuffer },
  });
  // The main thread grows by 32 megablocks, dirties them all and frees them again.
  const grown = main.getMBlocks(32);
  main.fill(grown, 32 * mb, 0xab);
  main.freeMBlocks(grown, 32);
  // The worker maps there: its megablocks are zeroed.
  const block = worker.getMBlocks(2);
  expect(block).toBe(grown);
  expect(worker.read(block, 2 * mb).every((byte) => byte === 0)).toBe(true);
  const pattern = Uint8Array.from({ length: 2 * mb }, (_, i) => (i * 7 + 3) & 0xff);
  worker.write(block, pattern);
  // With a neighbour right after it, growing the block moves it, bytes and all.
  expect(worker.getMBlocks(1)).toBe(grown + 2 * mb);
  const moved = worker.mremap(block, 2 * mb, 5 * mb, { mayMove: true });
  expect(moved).toBe(grown + 3 * mb);
  expect(Buffer.compare(worker.read(moved, 2 * mb), pattern)).toBe(0);
  expect(worker.read(moved + 2 * mb, 3 * mb).every((byte) => byte === 0)).toBe(true);
  expect(Buffer.compare(main.read(moved, 2 * mb), pattern)).toBe(0);
});

// One thread, a shared memory: the backend's view of the memory was made when it
// was smaller, and the guest writes the bytes of a megablock above that view
// directly. Moving them down into a hole must still copy them (before the fix the
// view only had to reach the destination, and the copy read nothing).
it("moves a mapping down from above the part of a shared memory its view was made over", () => {
  const mb = 64 * KiB;
  const memory = createLinearMemory(64 * MiB, true);
  const os = createGhcMegablock({ memory, megablockSize: mb });
  const hole = os.getMBlocks(8);
  expect(os.read(hole, 1)).toEqual(new Uint8Array(1)); // the view is made here
  const high = os.getMBlocks(4);
  expect(os.getMBlocks(1)).toBe(high + 4 * mb); // a neighbour: growing must move
  const pattern = Uint8Array.from({ length: 4 * mb }, (_, i) => (i * 13 + 5) & 0xff);
  new Uint8Array(memory.buffer).set(pattern, high); // the guest's own store
  os.freeMBlocks(hole, 8);
  const moved = os.mremap(high, 4 * mb, 5 * mb, { mayMove: true });
  expect(moved).toBe(hole);
  expect(Buffer.compare(new Uint8Array(memory.buffer, moved, 4 * mb), pattern)).toBe(0);
  expect(new Uint8Array(memory.buffer, moved + 4 * mb, mb).every((byte) => byte === 0)).toBe(true);
});
