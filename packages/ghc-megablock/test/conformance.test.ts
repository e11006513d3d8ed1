import { runConformance } from "@osal/conformance";
import { KiB, MiB } from "@osal/core";
import { createGhcMegablock } from "../src/index.js";

// The defaults: 1 MiB megablocks, a memory of its own that may grow to 4 GiB.
runConformance("ghc-megablock", () => createGhcMegablock());
// 64 KiB megablocks (one wasm page), as current GHC uses on wasm.
runConformance("ghc-megablock (64 KiB megablocks)", () =>
  createGhcMegablock({ megablockSize: 64 * KiB, maximumBytes: 64 * MiB }),
);
// A shared memory, the state in a SharedArrayBuffer and every call under its lock (threadSafe).
runConformance("ghc-megablock (shared memory)", () =>
  createGhcMegablock({ shared: true, megablockSize: 64 * KiB, maximumBytes: 64 * MiB }),
);
