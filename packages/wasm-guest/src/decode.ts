import {
  type MadviseAdvice,
  MmapError,
  MmapProtection,
  MmapStrategy,
  type OSCall,
} from "@osal/core";
import { MADV, MAP, MREMAP, PROT } from "./linux-abi.js";

/**
 * Decoding of the Linux numbers a guest passes (`PROT_*`, `MAP_*`, `MREMAP_*`,
 * `MADV_*`) into osal's vocabulary. Anything osal cannot do exactly fails with
 * an `MmapError` whose errno the import returns as `-errno`; nothing is ever
 * approximated by something else.
 */

/** How an `mmap` call places its mapping. */
export type MmapPlacement =
  /** `addr` 0 and no `MAP_FIXED*`: anywhere. */
  | "anywhere"
  /** `addr` given without `MAP_FIXED*`: a hint, used when that range is free. */
  | "hint"
  /** `MAP_FIXED`: exactly there, replacing what was mapped. */
  | "replace"
  /** `MAP_FIXED_NOREPLACE`: exactly there, `EEXIST` on overlap. */
  | "noreplace";

/** What an `mmap` flags word asks for, once decoded. */
export interface DecodedMmapFlags {
  /** Where the mapping goes. */
  readonly placement: MmapPlacement;
  /** False for `MAP_NORESERVE`. */
  readonly reserve: boolean;
  /** `MAP_UNINITIALIZED`: the caller does not need zeroed memory. */
  readonly uninitialized: boolean;
}

/** Flags that change nothing observable on a single-process wasm memory: accepted and ignored. */
const IGNORED_MAP_FLAGS =
  MAP.POPULATE | MAP.NONBLOCK | MAP.STACK | MAP.DENYWRITE | MAP.EXECUTABLE | MAP.LOCKED;
/** Flags with a meaning osal cannot provide: `ENOTSUP`. */
const UNSUPPORTED_MAP_FLAGS = MAP.GROWSDOWN | MAP.HUGETLB | MAP.SYNC;
// `MAP_HUGE_*` sizes live in bits 26-31 and mean something only with
// `MAP_HUGETLB` (refused first); without it bit 26 is `MAP_UNINITIALIZED`.
const KNOWN_MAP_FLAGS =
  MAP.TYPE |
  MAP.FIXED |
  MAP.ANONYMOUS |
  MAP.NORESERVE |
  MAP.FIXED_NOREPLACE |
  MAP.UNINITIALIZED |
  IGNORED_MAP_FLAGS |
  UNSUPPORTED_MAP_FLAGS;

/**
 * Decodes `PROT_*` bits. `PROT_NONE` → `NoAccess`; `PROT_READ|PROT_WRITE`
 * (and `PROT_WRITE` alone, which implies read on Linux's wasm32-relevant
 * architectures) → `ReadWrite`; with `PROT_EXEC` → `ReadWriteExec`.
 * Read-only and execute-only have no osal protection: `ENOTSUP`. Unknown bits:
 * `EINVAL`.
 */
export function decodeProt(call: OSCall, prot: number): MmapProtection {
  if ((prot & ~(PROT.READ | PROT.WRITE | PROT.EXEC)) !== 0) {
    throw fail("EINVAL", call, `unknown PROT bits 0x${(prot >>> 0).toString(16)}`);
  }
  if (prot === PROT.NONE) return MmapProtection.NoAccess;
  if ((prot & PROT.WRITE) === 0) {
    throw fail(
      "ENOTSUP",
      call,
      "read-only or execute-only protection: osal protections are none, read-write and read-write-exec",
    );
  }
  return (prot & PROT.EXEC) !== 0 ? MmapProtection.ReadWriteExec : MmapProtection.ReadWrite;
}

/**
 * Decodes the `flags`, `fd` and `offset` of an `mmap` call.
 * - exactly one of `MAP_PRIVATE` / `MAP_SHARED` / `MAP_SHARED_VALIDATE` must
 *   be set (`EINVAL`). `MAP_SHARED|MAP_ANONYMOUS` is private anonymous memory:
 *   shared anonymous memory is shared only with the children a `fork` makes,
 *   and a wasm guest has no `fork` (nor any other process on its memory), so
 *   nothing can tell the two apart;
 * - `MAP_UNINITIALIZED` (bit 26 without `MAP_HUGETLB`): `strategy.uninitialized`,
 *   dirty pages allowed (backends without the capability still zero them, as
 *   Linux without `CONFIG_MMAP_ALLOW_UNINITIALIZED` does);
 * - file-backed mappings (no `MAP_ANONYMOUS`) are refused: `EBADF` when `fd` is
 *   negative (as Linux), otherwise `ENODEV` (no file system behind the memory);
 * - the offset must be a non-negative multiple of `pageSize` (`EINVAL`), else it
 *   is ignored as for any anonymous mapping;
 * - `MAP_FIXED_NOREPLACE` wins over `MAP_FIXED` (as Linux);
 * - `MAP_POPULATE`, `MAP_NONBLOCK`, `MAP_STACK`, `MAP_LOCKED`, `MAP_DENYWRITE`,
 *   `MAP_EXECUTABLE` are accepted with no effect (wasm memory is always
 *   resident and never swapped);
 * - `MAP_GROWSDOWN`, `MAP_HUGETLB` (with any `MAP_HUGE_*`), `MAP_SYNC`: `ENOTSUP`;
 * - any other bit: `EINVAL` (stricter than Linux, which ignores unknown bits).
 */
export function decodeMmapFlags(
  addr: number,
  flags: number,
  fd: number,
  offset: bigint,
  pageSize: number,
): DecodedMmapFlags {
  if ((flags & MAP.HUGETLB) !== 0) {
    throw fail("ENOTSUP", "mmap", "MAP_HUGETLB (and MAP_HUGE_*) is not supported");
  }
  if ((flags & ~KNOWN_MAP_FLAGS) !== 0) {
    throw fail(
      "EINVAL",
      "mmap",
      `unknown MAP flags 0x${((flags & ~KNOWN_MAP_FLAGS) >>> 0).toString(16)}`,
    );
  }
  const type = flags & MAP.TYPE;
  if (type !== MAP.PRIVATE && type !== MAP.SHARED && type !== MAP.SHARED_VALIDATE) {
    throw fail("EINVAL", "mmap", "flags must contain MAP_PRIVATE or MAP_SHARED");
  }
  if ((flags & MAP.ANONYMOUS) === 0) {
    throw fd < 0
      ? fail("EBADF", "mmap", "a file mapping needs a file descriptor")
      : fail("ENODEV", "mmap", "file-backed mappings are not supported: use MAP_ANONYMOUS");
  }
  checkMmapOffset(offset, pageSize);
  if ((flags & UNSUPPORTED_MAP_FLAGS) !== 0) {
    throw fail("ENOTSUP", "mmap", "MAP_GROWSDOWN and MAP_SYNC are not supported");
  }
  const reserve = (flags & MAP.NORESERVE) === 0;
  const uninitialized = (flags & MAP.UNINITIALIZED) !== 0;
  const placement: MmapPlacement =
    (flags & MAP.FIXED_NOREPLACE) !== 0
      ? "noreplace"
      : (flags & MAP.FIXED) !== 0
        ? "replace"
        : addr === 0
          ? "anywhere"
          : "hint";
  return { placement, reserve, uninitialized };
}

/** `EINVAL` unless `offset` is a non-negative multiple of `pageSize` (0 is checked without arithmetic). */
export function checkMmapOffset(offset: bigint, pageSize: number): void {
  if (offset === 0n) return;
  if (offset < 0n || offset % BigInt(pageSize) !== 0n) {
    throw fail("EINVAL", "mmap", `offset ${offset} is not a multiple of the page size ${pageSize}`);
  }
}

/**
 * An `mmap` call's `prot` and `flags` once decoded: the strategy to pass to the
 * backend and how to place the mapping. `placement` is `"free"` for both
 * `"anywhere"` and `"hint"` (which of the two depends on the address, not on
 * the flags); `strategy.replace` is set for `"replace"`.
 */
export interface DecodedMmap {
  /** `"replace"` (`MAP_FIXED`), `"noreplace"` (`MAP_FIXED_NOREPLACE`), else `"free"`. */
  readonly placement: "replace" | "noreplace" | "free";
  /** The immutable strategy every call with these `prot` and `flags` passes. */
  readonly strategy: MmapStrategy;
}

/** Bits a cached `(prot, flags)` key can hold: the known flags fit in 27 bits, prot in 3. */
const PROT_BITS = PROT.READ | PROT.WRITE | PROT.EXEC;

/**
 * Decodes `mmap`'s `prot`, `flags`, `fd` and `offset` as {@link decodeMmapFlags}
 * and {@link decodeProt} do (same checks, same order, same errors), remembering
 * each `(prot, flags)` pair that decoded without error. A guest uses a handful
 * of pairs, so after its first calls a call allocates nothing: the same
 * {@link DecodedMmap} and the same `MmapStrategy` object come back (which the
 * backends' strategy check also recognises at once). Only the offset is checked
 * again on a hit: the flags alone decide everything else (a cached pair has
 * `MAP_ANONYMOUS`, so `fd` is never read). One cache per import module.
 */
export class MmapDecodeCache {
  readonly #decoded = new Map<number, DecodedMmap>();

  /** The decoded call, or an `MmapError` for what {@link decodeMmapFlags} or {@link decodeProt} refuses. */
  decode(
    flags: number,
    protBits: number,
    fd: number,
    offset: bigint,
    pageSize: number,
  ): DecodedMmap {
    // Known flags and prot bits make a small integer key (below 2^30); anything else is an error below.
    const cacheable = (flags & ~KNOWN_MAP_FLAGS) === 0 && (protBits & ~PROT_BITS) === 0;
    const key = cacheable ? flags * 8 + protBits : -1;
    const hit = cacheable ? this.#decoded.get(key) : undefined;
    if (hit !== undefined) {
      checkMmapOffset(offset, pageSize);
      return hit;
    }
    // The address only tells "anywhere" from "hint", which both become "free" here.
    const { placement, reserve, uninitialized } = decodeMmapFlags(1, flags, fd, offset, pageSize);
    const prot = decodeProt("mmap", protBits);
    const strategy = MmapStrategy.DEFAULT.withProt(prot)
      .withReserve(reserve)
      .withUninitialized(uninitialized)
      .withReplace(placement === "replace");
    const decoded: DecodedMmap = {
      placement: placement === "replace" || placement === "noreplace" ? placement : "free",
      strategy,
    };
    if (cacheable) this.#decoded.set(key, decoded);
    return decoded;
  }
}

/** What an `mremap` flags word asks for, once decoded. */
export interface DecodedMremapFlags {
  /** `MREMAP_MAYMOVE`. */
  readonly mayMove: boolean;
  /** `MREMAP_FIXED`: move to the `newAddr` argument (implies `mayMove`). */
  readonly fixed: boolean;
  /** `MREMAP_DONTUNMAP`: the old range stays mapped, reading zeros (implies `mayMove`). */
  readonly dontUnmap: boolean;
}

/**
 * Decodes `mremap` flags: `MREMAP_MAYMOVE`, `MREMAP_FIXED` and
 * `MREMAP_DONTUNMAP` (the TS options `mayMove`, `newAddress`, `dontUnmap`);
 * `MREMAP_FIXED` or `MREMAP_DONTUNMAP` without `MREMAP_MAYMOVE` is `EINVAL`
 * (as Linux); unknown bits `EINVAL`. A backend without the capability
 * (`remapFixed`, `remapDontUnmap`) answers `ENOTSUP`.
 */
export function decodeMremapFlags(flags: number): DecodedMremapFlags {
  const known = MREMAP.MAYMOVE | MREMAP.FIXED | MREMAP.DONTUNMAP;
  if ((flags & ~known) !== 0) {
    throw fail(
      "EINVAL",
      "mremap",
      `unknown MREMAP flags 0x${((flags & ~known) >>> 0).toString(16)}`,
    );
  }
  const mayMove = (flags & MREMAP.MAYMOVE) !== 0;
  const fixed = (flags & MREMAP.FIXED) !== 0;
  if ((fixed || (flags & MREMAP.DONTUNMAP) !== 0) && !mayMove) {
    throw fail("EINVAL", "mremap", "MREMAP_FIXED and MREMAP_DONTUNMAP need MREMAP_MAYMOVE");
  }
  return { mayMove, fixed, dontUnmap: (flags & MREMAP.DONTUNMAP) !== 0 };
}

const ADVICE: ReadonlyMap<number, MadviseAdvice> = new Map([
  [MADV.NORMAL, "normal"],
  [MADV.RANDOM, "random"],
  [MADV.SEQUENTIAL, "sequential"],
  [MADV.WILLNEED, "willneed"],
  [MADV.DONTNEED, "dontneed"],
  // MADV_FREE lets the kernel drop the pages lazily, so later reads see the old
  // bytes or zeros; dropping them at once is one of its allowed outcomes.
  [MADV.FREE, "dontneed"],
  [MADV.HUGEPAGE, "hugepage"],
  [MADV.NOHUGEPAGE, "nohugepage"],
]);

/**
 * Decodes `MADV_*`: `NORMAL`, `RANDOM`, `SEQUENTIAL`, `WILLNEED`, `DONTNEED`,
 * `HUGEPAGE`, `NOHUGEPAGE` map to the osal advice of the same name, `MADV_FREE`
 * to `dontneed`; any other value is `EINVAL`, as Linux answers advice it does
 * not support.
 */
export function decodeAdvice(advice: number): MadviseAdvice {
  const decoded = ADVICE.get(advice);
  if (decoded === undefined) throw fail("EINVAL", "madvise", `unsupported advice ${advice}`);
  return decoded;
}

/** An `MmapError` for a call the guest made; `detail` says why. */
export function fail(
  code: "EINVAL" | "ENOTSUP" | "ENOMEM" | "EBADF" | "ENODEV" | "EPERM" | "EFAULT",
  call: OSCall,
  detail: string,
  address?: number,
  size?: number,
): MmapError {
  return new MmapError({ code, syscall: call, detail, address, size });
}
