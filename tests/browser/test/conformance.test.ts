import { runConformance } from "@osal/conformance";
import { KiB, MiB } from "@osal/core";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { createWasmPosixMemalign } from "@osal/wasm-posix-memalign";

// Every wasm backend runs the whole shared suite in Chromium exactly as in Node:
// behaviour cases, the bad-input matrix and the model sequences.
runConformance("wasm-page-manager", () => createWasmPageManager({ maximumBytes: 256 * MiB }));
runConformance("ghc-megablock", () => createGhcMegablock());
runConformance("ghc-megablock (64 KiB megablocks)", () =>
  createGhcMegablock({ megablockSize: 64 * KiB, maximumBytes: 64 * MiB }),
);
runConformance("wasm-posix-memalign", () => createWasmPosixMemalign({ maximumBytes: 256 * MiB }));
