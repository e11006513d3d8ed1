import { runConformance } from "@osal/conformance";
import { KiB, MiB } from "@osal/core";
import { createGhcMegablock } from "../src/index.js";

// The 64 KiB runs include the opt-in lazy-zeroing suite (the engine's zero
// marks), at the megablock size ghc's own lazy-zeroing tests used: its random
// sequences fill and read whole megablocks, 16 times the work at 1 MiB.
const options = { lazyZeroing: true };
// The defaults: 1 MiB megablocks, a memory of its own that may grow to 4 GiB.
runConformance("ghc-megablock", () => createGhcMegablock());
// 64 KiB megablocks (one wasm page), as current GHC uses on wasm.
runConformance(
  "ghc-megablock (64 KiB megablocks)",
  () => createGhcMegablock({ megablockSize: 64 * KiB, maximumBytes: 64 * MiB }),
  options,
);
// A shared memory, the state in a SharedArrayBuffer and every call under its lock (threadSafe).
runConformance(
  "ghc-megablock (shared memory)",
  () => createGhcMegablock({ shared: true, megablockSize: 64 * KiB, maximumBytes: 64 * MiB }),
  options,
);
