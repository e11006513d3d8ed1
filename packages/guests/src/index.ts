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

/** The toolchains every guest is built with: clang + wasi-libc, and Emscripten. */
export const guestToolchains = ["wasi", "emscripten"] as const;

/** Which toolchain built a guest: one of {@link guestToolchains}. */
export type GuestToolchain = (typeof guestToolchains)[number];

/** The `mmap` families every guest is built on: the `osal` imports, and its libc's own. */
export const guestMmans = ["osal", "libc"] as const;

/** Which `mmap` family a guest was built on: one of {@link guestMmans}. */
export type GuestMman = (typeof guestMmans)[number];

/**
 * Where a built guest is, as a URL relative to this module (a `file:` URL in
 * Node, the served package in a browser without a bundler): the `.wasm` for
 * `wasi`; for `emscripten` the CommonJS loader `.js`, whose `.wasm` sits beside
 * it under the same name. An unknown workload, toolchain or mmap family is a
 * `RangeError`, not a URL that 404s.
 */
export function guestUrl(workload: GuestWorkload, toolchain: GuestToolchain, mman: GuestMman): URL {
  if (!guestWorkloads.includes(workload))
    throw new RangeError(`unknown guest workload ${String(workload)}`);
  if (!guestToolchains.includes(toolchain))
    throw new RangeError(`unknown guest toolchain ${String(toolchain)}`);
  if (!guestMmans.includes(mman)) throw new RangeError(`unknown guest mman ${String(mman)}`);
  const extension = toolchain === "wasi" ? "wasm" : "js";
  return new URL(`../build/${toolchain}/${workload}-${mman}.${extension}`, import.meta.url);
}

/**
 * Programs written against plain `<sys/mman.h>` and built with
 * `osal-guest-flags` only (the drop-in integration): `mman-selftest` runs the
 * Linux mm selftests' cases (map_fixed_noreplace, mremap_test,
 * mremap_dontunmap) and prints one `SELFTEST <case> PASS|FAIL <ERRNO>` line each.
 */
export const guestPrograms = ["mman-selftest"] as const;

/** One of {@link guestPrograms}. */
export type GuestProgram = (typeof guestPrograms)[number];

/** Where a built program is: the `.wasm` for `wasi`, the CommonJS loader `.js` for `emscripten`. */
export function programUrl(program: GuestProgram, toolchain: GuestToolchain): URL {
  if (!guestPrograms.includes(program))
    throw new RangeError(`unknown guest program ${String(program)}`);
  if (!guestToolchains.includes(toolchain))
    throw new RangeError(`unknown guest toolchain ${String(toolchain)}`);
  const extension = toolchain === "wasi" ? "wasm" : "js";
  return new URL(`../build/${toolchain}/${program}.${extension}`, import.meta.url);
}
