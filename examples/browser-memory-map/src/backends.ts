import { createGhcMegablock } from "@osal/ghc-megablock";
import type { GuestBackendFactory } from "@osal/wasm-guest";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { createWasmPosixMemalign, guestAllocator } from "@osal/wasm-posix-memalign";

/** A wasm backend the page can run a guest on. */
export interface BackendChoice {
  /** Value of the backend `<select>`. */
  readonly id: string;
  /** What the user reads. */
  readonly label: string;
  /** Makes the backend over the guest's memory (or its allocator) once it is instantiated. */
  readonly factory: GuestBackendFactory;
  /** Guest arguments it needs: its page size, when larger than the guests' 64 KiB default. */
  readonly args: readonly string[];
}

/**
 * The four wasm backends, configured as the guests need them: the page
 * manager over the guest's linear memory (`memory.grow`), GHC's megablock
 * allocator with 64 KiB and 1 MiB megablocks (the guest is told its page is
 * 1 MiB), and wasm-posix-memalign taking blocks from the guest's own
 * `aligned_alloc` / `free`.
 */
export const backendChoices: readonly BackendChoice[] = [
  {
    id: "wasm-page-manager",
    label: "wasm-page-manager",
    factory: ({ memory }) => createWasmPageManager({ memory }),
    args: [],
  },
  {
    id: "ghc-megablock-64k",
    label: "ghc-megablock (64 KiB)",
    factory: ({ memory }) => createGhcMegablock({ memory, megablockSize: 64 * 1024 }),
    args: [],
  },
  {
    id: "ghc-megablock-1m",
    label: "ghc-megablock (1 MiB)",
    factory: ({ memory }) => createGhcMegablock({ memory }),
    args: ["page=1048576"],
  },
  {
    id: "wasm-posix-memalign",
    label: "wasm-posix-memalign",
    factory: ({ exports }) => createWasmPosixMemalign({ allocator: guestAllocator({ exports }) }),
    args: [],
  },
];

/** The backend with this id; a `RangeError` for an unknown one. */
export function backendById(id: string): BackendChoice {
  const choice = backendChoices.find((b) => b.id === id);
  if (choice === undefined) throw new RangeError(`unknown backend ${id}`);
  return choice;
}
