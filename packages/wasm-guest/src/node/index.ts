/**
 * @osal/wasm-guest/node: Node-only helpers. `runGuest` runs a built guest
 * (wasi-libc under `node:wasi`, or Emscripten) on a chosen backend and returns
 * its exit status, output and parsed `OSAL-RESULT` line; used by the tests and
 * the CLI.
 */
export type { GuestRun } from "../guest-run.js";
export { type RunGuestOptions, runGuest } from "./run-guest.js";
