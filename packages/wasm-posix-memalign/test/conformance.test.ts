import { runConformance } from "@osal/conformance";
import { KiB } from "@osal/core";
import { createWasmPosixMemalign } from "../src/index.js";

// The shared suite, on the bundled allocator with a 256 MiB memory (fresh per test).
runConformance("wasm-posix-memalign", () =>
  createWasmPosixMemalign({ maximumBytes: 256 * 1024 * KiB }),
);
