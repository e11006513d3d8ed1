import type { OSMemory } from "@osal/core";

/** Which toolchain built a guest: clang + wasi-libc, or Emscripten. */
export type GuestToolchain = "wasi" | "emscripten";

/**
 * What a backend factory gets once the guest is instantiated: the guest's
 * linear memory and its exports, so a backend can use the guest's own memory
 * source (`exports.sbrk` for the page manager on Emscripten) or allocator
 * (`exports.aligned_alloc` / `exports.free` for wasm-posix-memalign).
 */
export interface GuestBackendContext {
  /** The guest's linear memory (exported or imported). */
  readonly memory: WebAssembly.Memory;
  /** The guest instance's exports. */
  readonly exports: WebAssembly.Exports;
  /** The toolchain that built the guest. */
  readonly toolchain: GuestToolchain;
}

/**
 * Makes the backend a guest's `osal` imports run on. It must manage
 * `context.memory` itself (the same `WebAssembly.Memory`), never another one.
 */
export type GuestBackendFactory = (context: GuestBackendContext) => OSMemory;
