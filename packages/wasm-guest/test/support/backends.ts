import type { OSMemory } from "@osal/core";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { createWasmPosixMemalign, guestAllocator } from "@osal/wasm-posix-memalign";
import type { GuestBackendFactory, GuestToolchain } from "../../src/index.js";

/** A wasm backend the guests run on, and what it needs. */
export interface GuestBackend {
  readonly name: string;
  readonly factory: GuestBackendFactory;
  /** Toolchains it can serve (megablock grows memory itself: not behind Emscripten's sbrk). */
  readonly toolchains: readonly GuestToolchain[];
  /** Guest arguments it needs (its page size, when larger than the guests' 64 KiB default). */
  readonly args: readonly string[];
}

/** The page manager: `memory.grow` for wasi guests, the guest's `sbrk` for Emscripten. */
export const pageManager: GuestBackend = {
  name: "wasm-page-manager",
  factory: ({ memory, exports, toolchain }) =>
    createWasmPageManager(
      toolchain === "emscripten"
        ? { memory, source: { sbrk: exports.sbrk as (increment: number) => number } }
        : { memory },
    ),
  toolchains: ["wasi", "emscripten"],
  args: [],
};

/** Every wasm backend, configured for the guests. */
export const guestBackends: readonly GuestBackend[] = [
  pageManager,
  {
    name: "ghc-megablock (64 KiB)",
    factory: ({ memory }) => createGhcMegablock({ memory, megablockSize: 64 * 1024 }),
    toolchains: ["wasi"],
    args: [],
  },
  {
    name: "ghc-megablock (1 MiB)",
    factory: ({ memory }) => createGhcMegablock({ memory }),
    toolchains: ["wasi"],
    args: ["page=1048576"],
  },
  {
    name: "wasm-posix-memalign",
    factory: ({ exports }) => createWasmPosixMemalign({ allocator: guestAllocator({ exports }) }),
    toolchains: ["wasi", "emscripten"],
    // Its 16 KiB pages: a mapping the allocator cannot give 2 MiB alignment is page-aligned.
    args: ["page=16384"],
  },
];

/** A page manager over a fresh memory, for the import-layer tests. */
export function freshPageManager(): { os: OSMemory; memory: WebAssembly.Memory } {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  return { os: createWasmPageManager({ memory }), memory };
}
