/**
 * @osal/wasm-guest: gives a wasm guest (C compiled with clang + wasi-libc, or
 * with Emscripten) `mmap`, `munmap`, `mremap`, `mprotect` and `madvise` from the
 * JS host, backed by any osal backend over the guest's memory: the import module
 * `osal` of SPEC section 5, the host helpers that wire it for `node:wasi`,
 * `@bjorn3/browser_wasi_shim` and Emscripten, and the `OSAL-RESULT` line the
 * repository's guests print. The C side is `include/osal/mman.h`. Node-only
 * helpers (`runGuest`) are in `@osal/wasm-guest/node`.
 */

export {
  checkMmapOffset,
  type DecodedMmap,
  type DecodedMmapFlags,
  type DecodedMremapFlags,
  decodeAdvice,
  decodeMmapFlags,
  decodeMremapFlags,
  decodeProt,
  MmapDecodeCache,
  type MmapPlacement,
} from "./decode.js";
export {
  type EmscriptenFactory,
  type EmscriptenGuestOptions,
  type EmscriptenGuestRun,
  runEmscriptenGuest,
} from "./emscripten-guest.js";
export {
  type EmscriptenOsalBinding,
  type EmscriptenOsalHost,
  type EmscriptenOsalOptions,
  type EmscriptenThreadData,
  type EmscriptenThreadsOptions,
  emscriptenOsal,
} from "./emscripten-osal.js";
export type {
  GuestBackendContext,
  GuestBackendFactory,
  GuestSbrk,
  GuestToolchain,
} from "./guest-backend.js";
export {
  createGuestImports,
  type DeferredGuestImports,
  deferGuestImports,
  type GuestImportsOptions,
  type OsalImports,
} from "./guest-imports.js";
export {
  createGuestImports64,
  type DeferredGuestImports64,
  deferGuestImports64,
  type OsalImports64,
} from "./guest-imports64.js";
export { type GuestResult, parseGuestResult, RESULT_PREFIX } from "./guest-result.js";
export type { GuestRun } from "./guest-run.js";
export {
  LINUX_PAGE_SIZE,
  MADV,
  MAP,
  MAX_RESULT_ADDRESS,
  MMAP_MIN_ADDR,
  MREMAP,
  PROT,
  WASM32_ADDRESS_END,
} from "./linux-abi.js";
export { importsOsal, importsOsalLibrary } from "./make-guest-backend.js";
export { type RunWasiGuestOptions, runWasiGuest } from "./run-wasi-guest.js";
export { type CapturedWasi, captureStdio } from "./stdio-capture.js";
export { ReleasedPages } from "./sub-granule.js";
export {
  instantiateWasiGuest,
  type WasiGuest,
  type WasiGuestOptions,
  type WasiLike,
} from "./wasi-guest.js";
export {
  type ServeWasiThreadOptions,
  serveWasiThread,
  type WasiThreadBackendFactory,
} from "./wasi-thread-worker.js";
export { createWasiThreads, type WasiThreads, type WasiThreadsOptions } from "./wasi-threads.js";
