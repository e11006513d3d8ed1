import { type GuestBackend, guestBackendById, guestBackends } from "@osal/guests/backends";

/**
 * A wasm backend the page can run a guest on: an entry of the one table of
 * backends configured for the guests (`@osal/guests/backends`), so the page
 * runs a guest on exactly what the CLI and the tests run it on.
 */
export type BackendChoice = GuestBackend;

/**
 * The backends that serve the page's guests (clang + wasi-libc builds): the page
 * manager over the guest's linear memory (`memory.grow`), GHC's megablock
 * allocator with 64 KiB and 1 MiB megablocks (the guest is told its page is
 * 1 MiB), and wasm-posix-memalign taking blocks from the guest's own
 * `aligned_alloc` / `free`.
 */
export const backendChoices: readonly BackendChoice[] = guestBackends.filter((backend) =>
  backend.toolchains.includes("wasi"),
);

/** The backend with this id; a `RangeError` for an unknown one. */
export function backendById(id: string): BackendChoice {
  return guestBackendById(id);
}
