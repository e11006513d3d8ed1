/**
 * map+unmap pairs with 1 000 and with 60 000 live pages in a fragmented table
 * (4 KiB pages over a 4 GiB address space: a 1 Mi-page table, every other page
 * live, so every free run is one page long). One bench iteration is 1 000 pairs,
 * so pairs/s = hz × 1 000.
 *   npx vitest bench --run bench/map-unmap.bench.ts   (from packages/wasm-page-manager)
 */
import { MmapStrategy } from "@osal/core";
import { bench, describe } from "vitest";
import { createWasmPageManager, type WasmPageManager } from "../src/index.js";

const PAGE = 4096;
const PAIRS = 1000;

function fragmented(livePages: number): WasmPageManager {
  const os = createWasmPageManager({ pageSize: PAGE });
  // Grow the memory once, then cut the table into alternating live and free pages.
  const base = os.dzmmapAnywhere(2 * livePages * PAGE, PAGE, MmapStrategy.DEFAULT);
  for (let i = 0; i < livePages; i++) os.munmap(base + 2 * i * PAGE, PAGE);
  return os;
}

function pairs(os: WasmPageManager): void {
  for (let i = 0; i < PAIRS; i++) {
    const start = os.dzmmapAnywhere(PAGE, PAGE, MmapStrategy.DEFAULT);
    os.munmap(start, PAGE);
  }
}

describe("map+unmap pairs (1 000 per iteration), fragmented table", () => {
  const small = fragmented(1000);
  const large = fragmented(60_000);
  bench("1 000 live pages", () => pairs(small), { time: 2000 });
  bench("60 000 live pages", () => pairs(large), { time: 2000 });
});
