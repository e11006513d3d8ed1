import {
  alignDown,
  alignUp,
  MmapAnnotation,
  MmapStrategy,
  OSError,
  type OSMemory,
  rangesOverlap,
} from "@osal/core";
import { decodeAdvice, decodeMmapFlags, decodeMremapFlags, decodeProt, fail } from "./decode.js";
import { checkedImports } from "./import-arguments.js";
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
  return checkedImports(importsOver(() => target));
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
    imports: checkedImports(
      importsOver(() => {
        if (target === undefined) {
          throw new Error("@osal/wasm-guest: the guest called an osal import before bind()");
        }
        return target;
      }),
    ),
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
  };
}

function importsOver(target: () => Target): OsalImports {
  return {
    mmap: (addr, len, prot, flags, fd, off) =>
      syscall(() => mmap(target(), addr >>> 0, len >>> 0, prot, flags, fd, BigInt(off))),
    munmap: (addr, len) => syscall(() => munmap(target(), addr >>> 0, len >>> 0)),
    mremap: (old, oldLen, newLen, flags, newAddr) =>
      syscall(() => mremap(target(), old >>> 0, oldLen >>> 0, newLen >>> 0, flags, newAddr >>> 0)),
    mprotect: (addr, len, prot) =>
      syscall(() => mprotect(target().os, addr >>> 0, len >>> 0, prot)),
    madvise: (addr, len, advice) =>
      syscall(() => madvise(target().os, addr >>> 0, len >>> 0, advice)),
    page_size: () => target().os.pageSize,
    set_vma_name: (addr, len, name) =>
      syscall(() => setVmaName(target(), addr >>> 0, len >>> 0, name >>> 0)),
  };
}

/** Runs one call; an address result becomes an i32, an `OSError` becomes `-errno`. */
function syscall(body: () => number): number {
  try {
    return body() | 0;
  } catch (error) {
    if (error instanceof OSError) return -error.errno;
    throw error;
  }
}

function mmap(
  { os, annotation, released, maxResultAddress }: Target,
  addr: number,
  len: number,
  protBits: number,
  flags: number,
  fd: number,
  off: bigint,
): number {
  const page = os.pageSize;
  if (len === 0) throw fail("EINVAL", "mmap", "length 0", addr, len);
  const decoded = decodeMmapFlags(addr, flags, fd, off, page);
  const prot = decodeProt("mmap", protBits);
  const size = alignUp(len, page);
  const strategy = MmapStrategy.DEFAULT.withProt(prot)
    .withReserve(decoded.reserve)
    .withUninitialized(decoded.uninitialized);
  let start: number;
  switch (decoded.placement) {
    case "replace":
    case "noreplace":
      if (addr % page !== 0)
        throw fail("EINVAL", "mmap", "MAP_FIXED address not page-aligned", addr, len);
      if (addr < MMAP_MIN_ADDR)
        throw fail("EPERM", "mmap", "MAP_FIXED below mmap_min_addr", addr, len);
      os.dzmmap(addr, size, strategy.withReplace(decoded.placement === "replace"), annotation);
      start = addr;
      break;
    case "hint": {
      const hint = alignDown(addr, page);
      start =
        hint >= MMAP_MIN_ADDR && hint + size <= os.addressSpaceEnd
          ? os.dzmmapPreferred(hint, size, page, strategy, annotation)
          : os.dzmmapAnywhere(size, page, strategy, annotation);
      break;
    }
    case "anywhere":
      start = os.dzmmapAnywhere(size, page, strategy, annotation);
      break;
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
