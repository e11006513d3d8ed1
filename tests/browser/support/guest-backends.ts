import { createGhcMegablock } from "@osal/ghc-megablock";
import type { GuestBackendFactory } from "@osal/wasm-guest";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { createWasmPosixMemalign, guestAllocator } from "@osal/wasm-posix-memalign";

/** A wasm backend a wasi guest runs on, and the guest arguments it needs. */
export interface GuestBackend {
  readonly factory: GuestBackendFactory;
  /** Its page size, when larger than the guests' 64 KiB default. */
  readonly args: readonly string[];
}

/**
 * Every wasm backend under a wasi guest, by name. Plain ESM with no DOM or Node
 * API, so the browser tests and the Node-side command that runs the same guest
 * for comparison build identical backends.
 */
export const guestBackends = {
  "wasm-page-manager": { factory: ({ memory }) => createWasmPageManager({ memory }), args: [] },
  "ghc-megablock (64 KiB)": {
    factory: ({ memory }) => createGhcMegablock({ memory, megablockSize: 64 * 1024 }),
    args: [],
  },
  "ghc-megablock (1 MiB)": {
    factory: ({ memory }) => createGhcMegablock({ memory }),
    args: ["page=1048576"],
  },
  "wasm-posix-memalign": {
    factory: ({ exports }) => createWasmPosixMemalign({ allocator: guestAllocator({ exports }) }),
    args: [],
  },
} satisfies Record<string, GuestBackend>;

/** A key of {@link guestBackends}. */
export type GuestBackendName = keyof typeof guestBackends;
