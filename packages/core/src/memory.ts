import type { MmapAnnotation } from "./annotation.js";
import type { Capabilities } from "./capabilities.js";
import type { HugePageSupport, MmapProtection } from "./protection.js";
import type { MemoryStats } from "./stats.js";
import type { MmapStrategy } from "./strategy.js";

/**
 * `madvise` advice. `dontneed` is the one with a visible effect: the pages stay
 * mapped and later reads see zeros. The others are hints a backend may ignore.
 */
export type MadviseAdvice =
  | "normal"
  | "random"
  | "sequential"
  | "willneed"
  | "dontneed"
  | "hugepage"
  | "nohugepage";

/** The {@link MadviseAdvice} values, in a stable order. */
export const madviseAdvices: readonly MadviseAdvice[] = [
  "normal",
  "random",
  "sequential",
  "willneed",
  "dontneed",
  "hugepage",
  "nohugepage",
];

/** Options of {@link OSMemory.mremap}. */
export interface MremapOptions {
  /** `MREMAP_MAYMOVE`: if the mapping cannot grow in place, move it (bytes kept). */
  readonly mayMove?: boolean;
  /**
   * `MREMAP_DONTUNMAP`: move the pages and leave the old range mapped, reading as
   * zeros afterwards (private anonymous semantics). Requires `mayMove` and, as on
   * Linux, `oldSize === newSize` (`EINVAL` otherwise). See
   * `capabilities.remapDontUnmap` (`ENOTSUP` where it is not supported).
   */
  readonly dontUnmap?: boolean;
  /**
   * `MREMAP_FIXED`: move to exactly this page-aligned address, replacing whatever
   * is mapped there. Requires `mayMove`; the old and new ranges must not overlap
   * (`EINVAL` otherwise). Atomic: on any failure both the source and the
   * destination are exactly as before. See `capabilities.remapFixed` (`ENOTSUP`
   * where it is not supported).
   */
  readonly newAddress?: number;
}

/** One mapping as a backend lists it: a maximal run of pages with the same attributes. */
export interface MappingInfo {
  /** First byte (page-aligned). */
  readonly start: number;
  /** One past the last byte (page-aligned). */
  readonly end: number;
  /** Access rights. */
  readonly prot: MmapProtection;
  /** Whether the mapping is charged against the commit limit. */
  readonly reserve: boolean;
  /** Huge page hint it was mapped with. */
  readonly hugePage: HugePageSupport;
  /** What it is for, when the caller said. */
  readonly annotation: MmapAnnotation | undefined;
}

/**
 * Reading and writing mapped memory, on every backend. Accesses to unmapped pages,
 * or to `NoAccess` pages, throw a `MemoryFault` (`EFAULT`) and touch nothing.
 * On a wasm backend the caller could also index the `WebAssembly.Memory`
 * directly; this interface is the portable, checked way.
 */
export interface MemoryAccess {
  /** A copy of `length` bytes starting at `address`. */
  read(address: number, length: number): Uint8Array;
  /** Copies `bytes` to memory starting at `address`. */
  write(address: number, bytes: Uint8Array): void;
  /** Sets `length` bytes starting at `address` to `value` (0–255). */
  fill(address: number, length: number, value: number): void;
}

/**
 * The memory half of an operating system, modelled on MMTk's `util::os::Memory`.
 *
 * Every range is given as a page-aligned `start` and a page-aligned, positive
 * `size` in bytes (use {@link OSMemory.pageSize}, never a constant). Every call
 * validates its arguments and either succeeds completely or throws an
 * `MmapError` having changed nothing: no mapping, protection or byte is altered by
 * a failed call.
 */
export interface OSMemory extends MemoryAccess {
  /** The page size of this backend in bytes: the unit of every range. */
  readonly pageSize: number;
  /** One past the highest address this backend can ever map. */
  readonly addressSpaceEnd: number;
  /** What this backend really does. */
  readonly capabilities: Capabilities;

  /**
   * Maps demand-zero memory at exactly `[start, start + size)`; reads see zeros.
   * With `strategy.replace` existing mappings there are replaced (`MAP_FIXED`),
   * without it an overlap fails with `EEXIST`. A backend that cannot place a mapping
   * at a given address fails with `ENOTSUP`.
   */
  dzmmap(start: number, size: number, strategy: MmapStrategy, annotation?: MmapAnnotation): void;

  /**
   * Maps demand-zero memory anywhere, at an address aligned to `align` (a power of
   * two; values below the page size mean page alignment), and returns it.
   * `strategy.replace` is ignored: a fresh range never overlaps anything.
   */
  dzmmapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number;

  /**
   * Maps at `start` if that range is free (and the backend can place mappings),
   * otherwise anywhere aligned to `align`, like `mmap` with a hint address. Never
   * replaces an existing mapping. Returns the address used.
   */
  dzmmapPreferred(
    start: number,
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number;

  /**
   * Unmaps every page in `[start, start + size)`, which may be any part of one or
   * more mappings. Pages that are not mapped are skipped: that is not an error.
   */
  munmap(start: number, size: number): void;

  /**
   * Resizes the mapping at `start` from `oldSize` to `newSize` bytes, as Linux
   * `mremap`. Something must be mapped at `start` (`EFAULT` otherwise); to grow,
   * `[start, start + oldSize)` must lie within one mapping (`EFAULT` otherwise).
   * Shrinking unmaps `[start + newSize, start + oldSize)`. With
   * `capabilities.remapAcrossMappings` (Linux 6.17) an old range spanning holes
   * or several mappings may be shrunk, and one spanning several mappings (no
   * holes) may be moved, each part keeping its attributes; without it those
   * fail with `EFAULT`, changing nothing.
   * Growing extends in place when the pages after it are free; otherwise it moves
   * the mapping (keeping its bytes and attributes) if `mayMove`, or fails with
   * `ENOMEM` leaving the mapping as it was. `dontUnmap` and `newAddress` are
   * Linux's `MREMAP_DONTUNMAP` and `MREMAP_FIXED`. Returns the (possibly new) address.
   */
  mremap(start: number, oldSize: number, newSize: number, options?: MremapOptions): number;

  /** Changes the protection of every page in the range (`mprotect`); `ENOMEM` if any page is unmapped. */
  setMemoryAccess(start: number, size: number, prot: MmapProtection): void;

  /**
   * Gives advice about the range; `ENOMEM` if any page is unmapped (checked before
   * anything is done). After `dontneed` the pages stay mapped and read as zeros.
   */
  madvise(start: number, size: number, advice: MadviseAdvice): void;

  /**
   * Names every page of the range, as Linux `prctl(PR_SET_VMA,
   * PR_SET_VMA_ANON_NAME, start, size, name)` names anonymous memory: mappings
   * split and merge by annotation in {@link OSMemory.getMappings} and in maps
   * listings. `undefined` clears the name. `ENOMEM` if any page of the range is
   * unmapped (checked first; nothing is renamed). See
   * `capabilities.setAnnotation` (`ENOTSUP` where it is not supported).
   */
  setAnnotation(start: number, size: number, annotation: MmapAnnotation | undefined): void;

  /** Throws an `MmapError` (`EFAULT`) unless every page of the range is mapped. */
  panicIfUnmapped(start: number, size: number): void;

  /** True when `error` is this backend's way of saying it ran out of memory. */
  isMmapOom(error: unknown): boolean;

  /** Total memory of the host, or the most this backend could ever hand out, in bytes. */
  getSystemTotalMemory(): number;

  /**
   * The current mappings, sorted by address, adjacent identical ones merged. As
   * on Linux, two neighbours that look identical may stay separate when the
   * backend keeps hidden state apart (mock-unix: commit accounting, Linux's
   * `VM_ACCOUNT`); `mremap` across them fails with `EFAULT` there too.
   */
  getMappings(): readonly MappingInfo[];

  /** What the backend has done so far. */
  stats(): MemoryStats;
}
