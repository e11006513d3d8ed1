import { Errno, MmapError, OSError, type OSMemory } from "@osal/core";
import {
  type GuestImportsOptions,
  madvise,
  makeTarget,
  mmap,
  mprotect,
  mremap,
  munmap,
  setVmaName,
  type Target,
} from "./guest-imports.js";
import { isI32, isI64 } from "./import-arguments.js";

/**
 * Note [The wasm64 guest ABI]
 * A guest compiled with `--target=wasm64` (memory64) has 64-bit pointers and
 * `size_t`: it imports the same module `osal` with the same names, but its
 * addresses and lengths are i64, which reach JS as `BigInt`s, and `mmap` and
 * `mremap` return an i64 (a `BigInt`):
 *
 *   mmap(addr i64, len i64, prot i32, flags i32, fd i32, off i64) -> i64
 *   munmap(addr i64, len i64) -> i32
 *   mremap(old i64, oldLen i64, newLen i64, flags i32, newAddr i64) -> i64
 *   mprotect(addr i64, len i64, prot i32) -> i32
 *   madvise(addr i64, len i64, advice i32) -> i32
 *   page_size() -> i32
 *   set_vma_name(addr i64, len i64, name i64) -> i32
 *
 * The calls are the wasm32 ones (`guest-imports.ts`: the same decoding, checks
 * and errors); only the edges differ. An i64 is read unsigned; osal addresses
 * and sizes are JS numbers, so a value of 2^53 or more (no memory reaches it)
 * is `EINVAL`, as a range past the address space is. A result in [-4095, -1]
 * is `-errno` as on Linux; a wasm64 address never falls there, so no mapping
 * is undone for its address (on wasm32 one at or above 2^32 − 4096 is).
 * A wrong JS type (a number where wasm passes a `BigInt`, or the reverse) is
 * `-EINVAL` before anything is read, as on wasm32.
 */

/** The `osal` import module of a wasm64 guest: i64 addresses and lengths as `BigInt`s. */
export type OsalImports64 = {
  /** `mmap(addr i64, len i64, prot i32, flags i32, fd i32, off i64) -> i64`. */
  mmap: (addr: bigint, len: bigint, prot: number, flags: number, fd: number, off: bigint) => bigint;
  /** `munmap(addr i64, len i64) -> i32`. */
  munmap: (addr: bigint, len: bigint) => number;
  /** `mremap(old i64, oldLen i64, newLen i64, flags i32, newAddr i64) -> i64`. */
  mremap: (old: bigint, oldLen: bigint, newLen: bigint, flags: number, newAddr: bigint) => bigint;
  /** `mprotect(addr i64, len i64, prot i32) -> i32`. */
  mprotect: (addr: bigint, len: bigint, prot: number) => number;
  /** `madvise(addr i64, len i64, advice i32) -> i32`. */
  madvise: (addr: bigint, len: bigint, advice: number) => number;
  /** `page_size() -> i32`: the backend's granule. */
  page_size: () => number;
  /** `set_vma_name(addr i64, len i64, name i64) -> i32`: `PR_SET_VMA_ANON_NAME`. */
  set_vma_name: (addr: bigint, len: bigint, name: bigint) => number;
};

/**
 * Builds the wasm64 `osal` import module over `os` (see Note [The wasm64
 * guest ABI]): pass it as `{ osal: createGuestImports64(os, { memory }) }` to
 * a guest compiled with `--target=wasm64`. Same options and checks as
 * `createGuestImports`.
 */
export function createGuestImports64(
  os: OSMemory,
  options: GuestImportsOptions = {},
): OsalImports64 {
  const target = makeTarget(os, options, Number.MAX_SAFE_INTEGER);
  return imports64Over(() => target);
}

/** {@link createGuestImports64} before the backend exists (see `deferGuestImports`). */
export interface DeferredGuestImports64 {
  /** The wasm64 `osal` import module to instantiate the guest with. */
  readonly imports: OsalImports64;
  /** Connects the imports to `os` (once); same checks as {@link createGuestImports64}. */
  bind(os: OSMemory, options?: GuestImportsOptions): void;
  /** The backend after `bind`, else `undefined`. */
  readonly backend: OSMemory | undefined;
}

/**
 * Makes {@link DeferredGuestImports64}: for a wasm64 guest that exports its
 * memory, the backend is made over it after instantiation and bound then; a
 * call before `bind` throws (the guest traps).
 */
export function deferGuestImports64(): DeferredGuestImports64 {
  let target: Target | undefined;
  return {
    imports: imports64Over(() => {
      if (target === undefined) {
        throw new Error("@osal/wasm-guest: the guest called an osal import before bind()");
      }
      return target;
    }),
    bind(os, options = {}) {
      if (target !== undefined) throw new Error("@osal/wasm-guest: bind() was already called");
      target = makeTarget(os, options, Number.MAX_SAFE_INTEGER);
    },
    get backend() {
      return target?.os;
    },
  };
}

/** One past the largest i64 a call takes: 2^53, where JS numbers stop being exact. */
const ADDRESS_LIMIT = 2n ** 53n;

/** An i64 argument read unsigned, as a JS number; `EINVAL` from 2^53 on. */
function u64(value: bigint): number {
  const unsigned = BigInt.asUintN(64, value);
  if (unsigned >= ADDRESS_LIMIT) {
    throw new MmapError({ code: "EINVAL", syscall: "mmap", detail: "an i64 of 2^53 or more" });
  }
  return Number(unsigned);
}

function imports64Over(target: () => Target): OsalImports64 {
  const i = isI32;
  const I = isI64;
  return {
    mmap: (addr, len, prot, flags, fd, off) =>
      I(addr) && I(len) && i(prot) && i(flags) && i(fd) && I(off)
        ? wide(() => mmap(target(), u64(addr), u64(len), prot, flags, fd, off))
        : -EINVAL64,
    munmap: (addr, len) =>
      I(addr) && I(len) ? narrow(() => munmap(target(), u64(addr), u64(len))) : -Errno.EINVAL,
    mremap: (old, oldLen, newLen, flags, newAddr) =>
      I(old) && I(oldLen) && I(newLen) && i(flags) && I(newAddr)
        ? wide(() => mremap(target(), u64(old), u64(oldLen), u64(newLen), flags, u64(newAddr)))
        : -EINVAL64,
    mprotect: (addr, len, prot) =>
      I(addr) && I(len) && i(prot)
        ? narrow(() => mprotect(target().os, u64(addr), u64(len), prot))
        : -Errno.EINVAL,
    madvise: (addr, len, advice) =>
      I(addr) && I(len) && i(advice)
        ? narrow(() => madvise(target().os, u64(addr), u64(len), advice))
        : -Errno.EINVAL,
    page_size: () => target().os.pageSize,
    set_vma_name: (addr, len, name) =>
      I(addr) && I(len) && I(name)
        ? narrow(() => setVmaName(target(), u64(addr), u64(len), u64(name)))
        : -Errno.EINVAL,
  };
}

const EINVAL64 = BigInt(Errno.EINVAL);

/** Runs a call with an i64 result: the address as a `BigInt`, an `OSError` as `-errno`. */
function wide(body: () => number): bigint {
  try {
    return BigInt(body());
  } catch (error) {
    if (error instanceof OSError) return BigInt(-error.errno);
    throw error;
  }
}

/** Runs a call with an i32 result (0 on success), an `OSError` as `-errno`. */
function narrow(body: () => number): number {
  try {
    return body() | 0;
  } catch (error) {
    if (error instanceof OSError) return -error.errno;
    throw error;
  }
}
