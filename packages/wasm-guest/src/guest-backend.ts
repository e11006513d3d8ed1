import type { OSMemory } from "@osal/core";

/** Which toolchain built a guest: clang + wasi-libc, or Emscripten. */
export type GuestToolchain = "wasi" | "emscripten";

/** A guest's `sbrk`, as the page manager takes it (`source: { sbrk }`). */
export interface GuestSbrk {
  /** Moves the guest's program break by `increment` bytes; returns the old break. */
  sbrk(increment: number): number;
}

/**
 * What a backend factory gets once the guest is instantiated: the guest's
 * linear memory and its exports, so a backend can use the guest's own memory
 * source or allocator (`exports.aligned_alloc` / `exports.free` for
 * wasm-posix-memalign), and `source`, where a backend that claims fresh pages
 * must take them from.
 */
export interface GuestBackendContext {
  /** The guest's linear memory (exported or imported). */
  readonly memory: WebAssembly.Memory;
  /** The guest instance's exports. */
  readonly exports: WebAssembly.Exports;
  /** The toolchain that built the guest. */
  readonly toolchain: GuestToolchain;
  /**
   * Where fresh pages come from: `"grow"` (`memory.grow`) for wasi-libc guests;
   * the guest's `sbrk` for Emscripten guests, whose `sbrk` keeps its own break
   * (memory grown behind it would be handed out twice). Pass it on as the page
   * manager's `source`. Reading it on an Emscripten guest that exports no
   * `sbrk` throws a `TypeError` naming the fix.
   */
  readonly source: "grow" | GuestSbrk;
}

/**
 * Makes the backend a guest's `osal` imports run on. It must manage
 * `context.memory` itself (the same `WebAssembly.Memory`), never another one.
 */
export type GuestBackendFactory = (context: GuestBackendContext) => OSMemory;
