import { type GuestBackend, guestBackendById, guestBackends } from "@osal/guests/backends";

// The wasm backends under a guest come from the one table in
// `@osal/guests/backends` (the one `@osal/wasm-guest`'s Node guest tests use), so
// a run in Chromium and its twin under `node:wasi` (the browser command) build
// identical backends.

/** The backends that serve wasi-libc guests (all four configurations). */
export const wasiBackendNames = guestBackends
  .filter((backend) => backend.toolchains.includes("wasi"))
  .map((backend) => backend.name);

/** The backend called `name` in {@link guestBackends}; an unknown name is a `RangeError`. */
export function guestBackend(name: string): GuestBackend {
  return guestBackendById(name);
}
