/**
 * @osal/guests: the built C guests, one per SPEC section 6 workload, each
 * built two ways (on the `osal` imports, or on its libc's own `mmap`) with two
 * toolchains (clang + wasi-libc, Emscripten 3.1.6). This module names them and
 * says where they are; run them with `@osal/wasm-guest` (`runGuest` in Node,
 * `runWasiGuest` anywhere). Bundlers can import a file directly:
 * `@osal/guests/wasi/zend-osal.wasm`.
 */

/** The workloads, one C program each. */
export const guestWorkloads = ["zend", "sgen", "coreclr", "ghc", "mmtk"] as const;

/** One of {@link guestWorkloads}. */
export type GuestWorkload = (typeof guestWorkloads)[number];

/** Which toolchain built a guest: clang + wasi-libc, or Emscripten. */
export type GuestToolchain = "wasi" | "emscripten";

/** Which `mmap` family a guest was built on: the `osal` imports, or its libc's own. */
export type GuestMman = "osal" | "libc";

/**
 * Where a built guest is, as a URL relative to this module (a `file:` URL in
 * Node, the served package in a browser without a bundler): the `.wasm` for
 * `wasi`; for `emscripten` the CommonJS loader `.js`, whose `.wasm` sits beside
 * it under the same name. An unknown workload, toolchain or mmap family is a
 * `RangeError`, not a URL that 404s.
 */
export function guestUrl(workload: GuestWorkload, toolchain: GuestToolchain, mman: GuestMman): URL {
  if (!guestWorkloads.includes(workload))
    throw new RangeError(`unknown guest workload ${workload}`);
  if (toolchain !== "wasi" && toolchain !== "emscripten")
    throw new RangeError(`unknown guest toolchain ${String(toolchain)}`);
  if (mman !== "osal" && mman !== "libc")
    throw new RangeError(`unknown guest mman ${String(mman)}`);
  const extension = toolchain === "wasi" ? "wasm" : "js";
  return new URL(`../build/${toolchain}/${workload}-${mman}.${extension}`, import.meta.url);
}
