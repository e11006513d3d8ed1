import { runConformance } from "@osal/conformance";
import { KiB } from "@osal/core";
import { createWasmPosixMemalign } from "../src/index.js";
import { dlmallocGuest, guestBackend } from "./helpers.js";

// The shared suite on the bundled allocator with a 256 MiB memory (fresh per test)…
runConformance("wasm-posix-memalign", () =>
  createWasmPosixMemalign({ maximumBytes: 256 * 1024 * KiB }),
);

// …and on a wasi-libc guest's own aligned_alloc/free (dlmalloc, metadata in the heap).
runConformance("wasm-posix-memalign (wasi-libc guest allocator)", () =>
  guestBackend(dlmallocGuest()),
);
