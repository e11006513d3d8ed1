/**
 * @osal/wasm-posix-memalign: CoreCLR's wasm GC PAL approach done right. An osal
 * backend whose memory comes from an aligned allocator (`aligned_alloc`/`free`):
 * the bundled one (a small C allocator compiled to wasm and embedded) or a wasm
 * guest's own. Reserve == commit, 16 KiB pages, `MAP_FIXED` only over memory it
 * holds, tracked partial `munmap`, and zeroing that skips only memory it can prove
 * is still zero. See Note [posix_memalign backend] in `wasm-posix-memalign.ts`.
 */

export type { LinearMemory } from "@osal/core";
export { SharedMemoryError } from "@osal/core";
export type { AlignedAllocator } from "./aligned-allocator.js";
export {
  BUNDLED_GRANULE,
  type BundledAllocatorOptions,
  bundledAllocator,
} from "./bundled-allocator.js";
export { AllocatorContractError } from "./errors.js";
export { type GuestAllocatorOptions, guestAllocator } from "./guest-allocator.js";
export type { WasmPosixMemalignOptions } from "./options.js";
export { createWasmPosixMemalign, WasmPosixMemalign } from "./wasm-posix-memalign.js";
