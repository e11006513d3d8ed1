import {
  type GuestBackend,
  guestBackends,
} from "../../../packages/wasm-guest/test/support/backends.js";

// The wasm backends under a guest come from the very table `@osal/wasm-guest`'s
// Node guest tests use, so a run in Chromium and its twin under `node:wasi` (the
// browser command) build identical backends.

/** The backends that serve wasi-libc guests (all four configurations). */
export const wasiBackendNames = guestBackends
  .filter((backend) => backend.toolchains.includes("wasi"))
  .map((backend) => backend.name);

/** The backend called `name` in {@link guestBackends}; an unknown name is a `RangeError`. */
export function guestBackend(name: string): GuestBackend {
  const backend = guestBackends.find((b) => b.name === name);
  if (backend === undefined) throw new RangeError(`no guest backend named ${name}`);
  return backend;
}
