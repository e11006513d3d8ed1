import { runConformance } from "@osal/conformance";
import { KiB, MiB } from "@osal/core";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { createWasmPosixMemalign, guestAllocator } from "@osal/wasm-posix-memalign";
import dlmallocGuestUrl from "@osal/wasm-posix-memalign/dlmalloc-guest.wasm?url";

// Every wasm backend runs the whole shared suite in Chromium exactly as in Node:
// the behaviour cases, the bad-input matrix and the model sequences.
runConformance("wasm-page-manager", () => createWasmPageManager({ maximumBytes: 256 * MiB }));
runConformance("wasm-page-manager (shared memory)", () =>
  createWasmPageManager({ shared: true, pageSize: 4 * KiB, maximumBytes: 64 * MiB }),
);
runConformance("ghc-megablock", () => createGhcMegablock());
runConformance("ghc-megablock (64 KiB megablocks)", () =>
  createGhcMegablock({ megablockSize: 64 * KiB, maximumBytes: 64 * MiB }),
);
runConformance("wasm-posix-memalign", () => createWasmPosixMemalign({ maximumBytes: 256 * MiB }));

// wasm-posix-memalign on a guest's own allocator: wasi-libc's dlmalloc, as the
// package publishes it, instantiated fresh for every case.
const dlmalloc = await WebAssembly.compileStreaming(fetch(dlmallocGuestUrl));
runConformance("wasm-posix-memalign (wasi-libc guest allocator)", () => {
  const { exports } = new WebAssembly.Instance(dlmalloc, {});
  (exports._initialize as () => void)();
  return createWasmPosixMemalign({
    allocator: guestAllocator({ exports, maximumBytes: 64 * MiB }),
  });
});
