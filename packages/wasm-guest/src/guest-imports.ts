// biome-ignore-all lint/complexity/noArguments: each import refuses extra arguments by `arguments.length`, which costs nothing, where rest arguments would allocate an array per call (Note [Guest call cost]).
import {
  alignDown,
  alignUp,
  Errno,
  MmapAnnotation,
  OSError,
  type OSMemory,
  rangesOverlap,
} from "@osal/core";
import { decodeAdvice, decodeMremapFlags, decodeProt, fail, MmapDecodeCache } from "./decode.js";
import { isI32, isI64 } from "./import-arguments.js";
import { LINUX_PAGE_SIZE, MAX_RESULT_ADDRESS, MMAP_MIN_ADDR } from "./linux-abi.js";
import { checkSameMemory } from "./same-memory.js";
import { ReleasedPages } from "./sub-granule.js";
import { readVmaName } from "./vma-name.js";

/**
 * The import module `osal` of SPEC section 5, as JS functions a wasm guest
 * imports. Arguments arrive as wasm gives them (i32 as a signed number, i64 as a
 * `BigInt`); every function returns the address (or 0) on success and `-errno`
 * on failure, so a result in [-4095, -1] is an error and an address above 2 GiB
 * reads as a negative i32 outside that range.
 */
export type OsalImports = {
  /** `mmap(addr i32, len i32, prot i32, flags i32, fd i32, off i64) -> i32`. */
  mmap: (addr: number, len: number, prot: number, flags: number, fd: number, off: bigint) => number;
  /** `munmap(addr i32, len i32) -> i32`. */
  munmap: (addr: number, len: number) => number;
  /** `mremap(old i32, oldLen i32, newLen i32, flags i32, newAddr i32) -> i32`. */
  mremap: (old: number, oldLen: number, newLen: number, flags: number, newAddr: number) => number;
  /** `mprotect(addr i32, len i32, prot i32) -> i32`. */
  mprotect: (addr: number, len: number, prot: number) => number;
  /** `madvise(addr i32, len i32, advice i32) -> i32`. */
  madvise: (addr: number, len: number, advice: number) => number;
  /**
   * `page_size() -> i32`: the page size the guest sees from `getpagesize()` and
   * `sysconf(_SC_PAGESIZE)` (libosal-mman): the backend's granule.
   */
  page_size: () => number;
  /**
   * `set_vma_name(addr i32, len i32, name i32) -> i32`: Linux's
   * `prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, addr, len, name)`. `name` points to
   * a NUL-terminated string in the guest's memory (0 clears the name); the
   * range's mappings take it as their annotation (`space:x`, `sidemeta:x:y`,
   * anything else `misc:<name>`). `ENOMEM` if part of the range is unmapped,
   * `EINVAL` for a name Linux refuses (80 bytes or more; `\\`, `` ` ``, `$`, `[`,
   * `]` or a non-printable byte).
   */
  set_vma_name: (addr: number, len: number, name: number) => number;
};

/** Options of {@link createGuestImports} and {@link DeferredGuestImports.bind}. */
export interface GuestImportsOptions {
  /**
   * The guest's linear memory. When given, and the backend exposes the memory it
   * manages (as the osal wasm backends do, as `memory`), they must be the same
   * object: a backend over another memory would hand out addresses that mean
   * nothing to the guest. A `TypeError` says so at once.
   */
  readonly memory?: WebAssembly.Memory;
  /** Annotation given to every mapping the guest makes (default `misc:wasm-guest`). */
  readonly annotation?: MmapAnnotation;
}

/**
 * Builds the `osal` import module over `os`: pass it to the guest as
 * `{ osal: createGuestImports(os, { memory }) }`.
 *
 * Linux semantics, over the backend's page size: lengths are rounded up to a
 * whole page, addresses must be page-aligned (`EINVAL`), a length of 0 is
 * `EINVAL` for `mmap`/`munmap`/`mremap` and a successful no-op for
 * `mprotect`/`madvise`. `MAP_FIXED` and `MAP_FIXED_NOREPLACE` below 64 KiB are
 * `EPERM` (Linux's `mmap_min_addr`). A mapping the backend places at or above
 * 2^32 − 4096 cannot be told apart from `-errno` (or is not a wasm32 address):
 * it is unmapped again and the call fails with `ENOMEM`. See `decode.ts` for
 * which flags are honoured, ignored or refused.
 *
 * An `OSError` from the backend becomes `-errno`; any other exception is a bug
 * and propagates, trapping the guest.
 */
export function createGuestImports(os: OSMemory, options: GuestImportsOptions = {}): OsalImports {
  const target = makeTarget(os, options);
  return importsOver(() => target);
}

/**
 * `osal` imports that exist before their backend: for a guest that exports its
 * memory, the backend can only be made after instantiation, but the imports are
 * needed for it. Instantiate with `imports`, then call `bind` once; a call
 * before `bind` throws (the guest traps) rather than mapping anything.
 */
export interface DeferredGuestImports {
  /** The `osal` import module to instantiate the guest with. */
  readonly imports: OsalImports;
  /** Connects the imports to `os` (once); same checks as {@link createGuestImports}. */
  bind(os: OSMemory, options?: GuestImportsOptions): void;
  /** The backend after `bind`, else `undefined`. */
  readonly backend: OSMemory | undefined;
}

/** Makes {@link DeferredGuestImports}: imports now, backend later. */
export function deferGuestImports(): DeferredGuestImports {
  let target: Target | undefined;
  return {
    imports: importsOver(() => {
      if (target === undefined) {
        throw new Error("@osal/wasm-guest: the guest called an osal import before bind()");
      }
      return target;
    }),
    bind(os, options = {}) {
      if (target !== undefined) throw new Error("@osal/wasm-guest: bind() was already called");
      target = makeTarget(os, options);
    },
    get backend() {
      return target?.os;
    },
  };
}

/** What the `osal` calls act on (exported for the wasm64 imports, `guest-imports64.ts`). */
export interface Target {
  readonly os: OSMemory;
  readonly annotation: MmapAnnotation;
  /** The guest's memory, for the strings it passes (a name). */
  readonly memory: WebAssembly.Memory | undefined;
  /** The sub-granule `munmap` ledger (Note [Sub-granule munmap on coarse backends]). */
  readonly released: ReleasedPages;
  /** The highest start a result can carry: 2^32 − 4096 on wasm32, more on wasm64. */
  readonly maxResultAddress: number;
  /** Decoded `(prot, flags)` pairs of this module's `mmap` calls. */
  readonly decodeCache: MmapDecodeCache;
}

/** A {@link Target} over `os` (checks the memory is the backend's). */
export function makeTarget(
  os: OSMemory,
  options: GuestImportsOptions,
  maxResultAddress = MAX_RESULT_ADDRESS,
): Target {
  checkSameMemory(os, options.memory);
  const own = (os as { readonly memory?: unknown }).memory;
  return {
    os,
    annotation: options.annotation ?? MmapAnnotation.misc("wasm-guest"),
    memory: options.memory ?? (own instanceof WebAssembly.Memory ? own : undefined),
    released: new ReleasedPages(),
    maxResultAddress,
    decodeCache: new MmapDecodeCache(),
  };
}

/**
 * The import functions over `target()`. Note [Guest call cost]: a guest call
 * costs what the TS API call costs plus the boundary, and the boundary must
 * allocate nothing: each import is a fixed-arity function that checks its
 * arguments in place (no rest arguments, no per-call closure), decodes `mmap`'s
 * `prot` and `flags` through a per-module {@link MmapDecodeCache} (the same
 * `MmapStrategy` object every call, which the backend's strategy check knows at
 * once), and turns an `OSError` into `-errno` in its own `try`. Measured with
 * `bench/guest-call.bench.ts` (2-page pairs on the page manager): building a
 * new strategy per call through three `with…` builders, plus the `...args`
 * wrapper and the closure per call, made the guest path 1.9× the TS path.
 */
function importsOver(target: () => Target): OsalImports {
  return {
    mmap(addr, len, prot, flags, fd, off) {
      if (
        arguments.length > 6 ||
        !isI32(addr) ||
        !isI32(len) ||
        !isI32(prot) ||
        !isI32(flags) ||
        !isI32(fd) ||
        !isI64(off)
      ) {
        return -Errno.EINVAL;
      }
      const t = target();
      try {
        return mmap(t, addr >>> 0, len >>> 0, prot, flags, fd, off) | 0;
      } catch (error) {
        return minusErrno(error);
      }
    },
    munmap(addr, len) {
      if (arguments.length > 2 || !isI32(addr) || !isI32(len)) return -Errno.EINVAL;
      const t = target();
      try {
        return munmap(t, addr >>> 0, len >>> 0);
      } catch (error) {
        return minusErrno(error);
      }
    },
    mremap(old, oldLen, newLen, flags, newAddr) {
      if (
        arguments.length > 5 ||
        !isI32(old) ||
        !isI32(oldLen) ||
        !isI32(newLen) ||
        !isI32(flags) ||
        !isI32(newAddr)
      ) {
        return -Errno.EINVAL;
      }
      const t = target();
      try {
        return mremap(t, old >>> 0, oldLen >>> 0, newLen >>> 0, flags, newAddr >>> 0) | 0;
      } catch (error) {
        return minusErrno(error);
      }
    },
    mprotect(addr, len, prot) {
      if (arguments.length > 3 || !isI32(addr) || !isI32(len) || !isI32(prot)) {
        return -Errno.EINVAL;
      }
      const t = target();
      try {
        return mprotect(t.os, addr >>> 0, len >>> 0, prot);
      } catch (error) {
        return minusErrno(error);
      }
    },
    madvise(addr, len, advice) {
      if (arguments.length > 3 || !isI32(addr) || !isI32(len) || !isI32(advice)) {
        return -Errno.EINVAL;
      }
      const t = target();
      try {
        return madvise(t.os, addr >>> 0, len >>> 0, advice);
      } catch (error) {
        return minusErrno(error);
      }
    },
    page_size() {
      if (arguments.length > 0) return -Errno.EINVAL;
      return target().os.pageSize;
    },
    set_vma_name(addr, len, name) {
      if (arguments.length > 3 || !isI32(addr) || !isI32(len) || !isI32(name)) {
        return -Errno.EINVAL;
      }
      const t = target();
      try {
        return setVmaName(t, addr >>> 0, len >>> 0, name >>> 0);
      } catch (error) {
        return minusErrno(error);
      }
    },
  };
}

/** What a call that threw returns: `-errno` for an `OSError`; anything else is a bug and propagates. */
function minusErrno(error: unknown): number {
  if (error instanceof OSError) return -error.errno;
  throw error;
}

function mmap(
  { os, annotation, released, maxResultAddress, decodeCache }: Target,
  addr: number,
  len: number,
  protBits: number,
  flags: number,
  fd: number,
  off: bigint,
): number {
  const page = os.pageSize;
  if (len === 0) throw fail("EINVAL", "mmap", "length 0", addr, len);
  const { placement, strategy } = decodeCache.decode(flags, protBits, fd, off, page);
  const size = alignUp(len, page);
  let start: number;
  if (placement !== "free") {
    if (addr % page !== 0)
      throw fail("EINVAL", "mmap", "MAP_FIXED address not page-aligned", addr, len);
    if (addr < MMAP_MIN_ADDR)
      throw fail("EPERM", "mmap", "MAP_FIXED below mmap_min_addr", addr, len);
    os.dzmmap(addr, size, strategy, annotation);
    start = addr;
  } else if (addr !== 0) {
    const hint = alignDown(addr, page);
    start =
      hint >= MMAP_MIN_ADDR && hint + size <= os.addressSpaceEnd
        ? os.dzmmapPreferred(hint, size, page, strategy, annotation)
        : os.dzmmapAnywhere(size, page, strategy, annotation);
  } else {
    start = os.dzmmapAnywhere(size, page, strategy, annotation);
  }
  checkResultAddress(os, start, size, "mmap", maxResultAddress);
  released.mapped(os, start, len, size);
  return start;
}

function munmap({ os, released }: Target, addr: number, len: number): number {
  if (len === 0) throw fail("EINVAL", "munmap", "length 0", addr, len);
  const page = Math.min(os.pageSize, LINUX_PAGE_SIZE);
  if (addr % page !== 0) throw fail("EINVAL", "munmap", "address not page-aligned", addr, len);
  if (os.pageSize <= LINUX_PAGE_SIZE) {
    os.munmap(addr, alignUp(len, os.pageSize));
  } else {
    released.unmap(os, addr, len);
  }
  return 0;
}

function mremap(
  { os, released, maxResultAddress }: Target,
  old: number,
  oldLen: number,
  newLen: number,
  flags: number,
  newAddr: number,
): number {
  const { mayMove, fixed, dontUnmap } = decodeMremapFlags(flags);
  const page = os.pageSize;
  if (old % page !== 0) throw fail("EINVAL", "mremap", "address not page-aligned", old, oldLen);
  if (oldLen === 0) throw fail("EINVAL", "mremap", "old length 0 (only for shared mappings)", old);
  if (newLen === 0) throw fail("EINVAL", "mremap", "new length 0", old, oldLen);
  const oldSize = alignUp(oldLen, page);
  const newSize = alignUp(newLen, page);
  if (fixed) {
    // Argument checks Linux makes before looking at any mapping: EINVAL on every backend.
    if (newAddr % page !== 0)
      throw fail("EINVAL", "mremap", "MREMAP_FIXED address not page-aligned", newAddr, newLen);
    if (rangesOverlap(old, old + oldSize, newAddr, newAddr + newSize))
      throw fail("EINVAL", "mremap", "MREMAP_FIXED range overlaps the source", newAddr, newLen);
    if (newAddr < MMAP_MIN_ADDR)
      throw fail("EPERM", "mremap", "MREMAP_FIXED below mmap_min_addr", newAddr, newLen);
  }
  if (oldSize === newSize && !fixed && !dontUnmap) {
    os.panicIfUnmapped(old, oldSize);
    return old;
  }
  const start = os.mremap(old, oldSize, newSize, {
    mayMove,
    ...(fixed ? { newAddress: newAddr } : {}),
    ...(dontUnmap ? { dontUnmap } : {}),
  });
  checkResultAddress(os, start, newSize, "mremap", maxResultAddress);
  if (!dontUnmap) released.forget(page, old, old + oldSize);
  released.mapped(os, start, newLen, newSize);
  return start;
}

function mprotect(os: OSMemory, addr: number, len: number, protBits: number): number {
  if (addr % os.pageSize !== 0)
    throw fail("EINVAL", "mprotect", "address not page-aligned", addr, len);
  const prot = decodeProt("mprotect", protBits);
  if (len === 0) return 0;
  os.setMemoryAccess(addr, alignUp(len, os.pageSize), prot);
  return 0;
}

function madvise(os: OSMemory, addr: number, len: number, adviceValue: number): number {
  if (addr % os.pageSize !== 0)
    throw fail("EINVAL", "madvise", "address not page-aligned", addr, len);
  const advice = decodeAdvice(adviceValue);
  if (len === 0) return 0;
  os.madvise(addr, alignUp(len, os.pageSize), advice);
  return 0;
}

function setVmaName({ os, memory }: Target, addr: number, len: number, name: number): number {
  if (addr % os.pageSize !== 0)
    throw fail("EINVAL", "prctl", "PR_SET_VMA address not page-aligned", addr, len);
  const annotation = name === 0 ? undefined : readVmaName(memory, name);
  if (len === 0) return 0;
  os.setAnnotation(addr, alignUp(len, os.pageSize), annotation);
  return 0;
}

/** A mapping the guest cannot receive (at or above 2^32 − 4096) is undone: `ENOMEM`. */
function checkResultAddress(
  os: OSMemory,
  start: number,
  size: number,
  call: "mmap" | "mremap",
  maxResultAddress: number,
): number {
  if (start <= maxResultAddress) return start;
  os.munmap(start, size);
  throw fail("ENOMEM", call, "the mapping lies above what a wasm32 result can carry", start, size);
}

/** The calls on numbers, for the wasm64 imports (`guest-imports64.ts`): `-errno` is theirs to make. */
export { madvise, mmap, mprotect, mremap, munmap, setVmaName };
