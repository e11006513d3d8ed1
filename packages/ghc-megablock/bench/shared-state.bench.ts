import { KiB, MiB, MmapStrategy } from "@osal/core";
import { bench, describe } from "vitest";
import { createGhcMegablock } from "../src/index.js";

// What the shared mode costs one thread: the same map / unmap cycle on an
// unshared memory and on a shared one (state in a SharedArrayBuffer, the lock
// taken around every call). Run: npx vitest bench --run --project ghc-megablock
const MB = 64 * KiB;
const options = { megablockSize: MB, maximumBytes: 256 * MiB } as const;

function cycle(os: ReturnType<typeof createGhcMegablock>): void {
  const held: number[] = [];
  for (let i = 0; i < 64; i++)
    held.push(os.dzmmapAnywhere(((i % 4) + 1) * MB, MB, MmapStrategy.DEFAULT));
  for (let i = 0; i < 64; i += 2) os.munmap(held[i]!, ((i % 4) + 1) * MB);
  for (let i = 1; i < 64; i += 2) os.munmap(held[i]!, ((i % 4) + 1) * MB);
}

describe("64 maps and 64 unmaps of 1-4 megablocks of 64 KiB", () => {
  const unshared = createGhcMegablock(options);
  const shared = createGhcMegablock({ ...options, shared: true });
  bench("unshared memory", () => cycle(unshared));
  bench("shared memory (lock on every call)", () => cycle(shared));
});
