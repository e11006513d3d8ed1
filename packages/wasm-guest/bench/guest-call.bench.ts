import { MmapAnnotation, MmapStrategy, type OperatingSystem } from "@osal/core";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { bench, describe } from "vitest";
import { createGuestImports, MAP, PROT } from "../src/index.js";

/**
 * The cost of the guest import path against the TypeScript API it calls, side
 * by side in one run: a 2-page `mmap` anywhere and its `munmap` on the page
 * manager (64 KiB pages), in a table of 1 000 live pages with a one-page hole
 * every 16th page (the layout of issue 17's scaling figure). The TS row calls
 * `dzmmapAnywhere` + `munmap`; the guest row calls the `osal` imports exactly as
 * a wasm32 guest does (i32 numbers, the offset as a `BigInt`). Both pay the
 * zeroing of 128 KiB of dirty pages; the difference is the boundary: argument
 * checks, decoding, the errno translation. Run with
 * `npx vitest bench --run --project wasm-guest`.
 */
const LIVE_PAGES = 1_000;
const PAIR_PAGES = 2;
const annotation = MmapAnnotation.misc("wasm-guest");
/** Each row runs for 2 s: on a shared machine the medians of shorter runs move by 10 %. */
const options = { time: 2000 };

/** A page manager holding `live` pages, every 16th page of its range a hole. */
function table(live: number): OperatingSystem {
  const os = createWasmPageManager();
  const page = os.pageSize;
  const span = Math.ceil((live * 16) / 15);
  const base = os.dzmmapAnywhere(span * page, page, MmapStrategy.DEFAULT, annotation);
  for (let i = 15; i < span; i += 16) os.munmap(base + i * page, page);
  return os;
}

describe(`map + unmap ${PAIR_PAGES}-page pairs, page manager, ${LIVE_PAGES} live pages`, () => {
  const tsOs = table(LIVE_PAGES);
  const tsSize = PAIR_PAGES * tsOs.pageSize;
  bench(
    "TS API (dzmmapAnywhere + munmap)",
    () => {
      const at = tsOs.dzmmapAnywhere(tsSize, tsOs.pageSize, MmapStrategy.DEFAULT, annotation);
      tsOs.munmap(at, tsSize);
    },
    options,
  );

  const guestOs = table(LIVE_PAGES);
  const osal = createGuestImports(guestOs);
  const guestSize = PAIR_PAGES * guestOs.pageSize;
  const prot = PROT.READ | PROT.WRITE;
  const flags = MAP.PRIVATE | MAP.ANONYMOUS;
  bench(
    "guest imports (osal.mmap + osal.munmap)",
    () => {
      const at = osal.mmap(0, guestSize, prot, flags, -1, 0n);
      if (at < 0 && at > -4096) throw new Error(`mmap failed: ${at}`);
      if (osal.munmap(at, guestSize) !== 0) throw new Error("munmap failed");
    },
    options,
  );
});
