/**
 * The Linux values of the mmap family's constants, as a wasm32 guest's libc
 * (wasi-libc, Emscripten's musl) defines them and as `osal/mman.h` repeats them.
 * The guest passes these numbers through the `osal` imports unchanged.
 */

/** `PROT_*`: access bits of `mmap` and `mprotect`. */
export const PROT = {
  NONE: 0x0,
  READ: 0x1,
  WRITE: 0x2,
  EXEC: 0x4,
} as const;

/** `MAP_*`: `mmap` flags. */
export const MAP = {
  SHARED: 0x01,
  PRIVATE: 0x02,
  SHARED_VALIDATE: 0x03,
  TYPE: 0x0f,
  FIXED: 0x10,
  ANONYMOUS: 0x20,
  GROWSDOWN: 0x0100,
  DENYWRITE: 0x0800,
  EXECUTABLE: 0x1000,
  LOCKED: 0x2000,
  NORESERVE: 0x4000,
  POPULATE: 0x8000,
  NONBLOCK: 0x10000,
  STACK: 0x20000,
  HUGETLB: 0x40000,
  SYNC: 0x80000,
  FIXED_NOREPLACE: 0x100000,
  /** Bit 26: `MAP_UNINITIALIZED` without `MAP_HUGETLB`; the low bit of the `MAP_HUGE_*` size with it. */
  UNINITIALIZED: 0x4000000,
} as const;

/** `MREMAP_*`: `mremap` flags. */
export const MREMAP = {
  MAYMOVE: 1,
  FIXED: 2,
  DONTUNMAP: 4,
} as const;

/** `MADV_*`: `madvise` advice values. */
export const MADV = {
  NORMAL: 0,
  RANDOM: 1,
  SEQUENTIAL: 2,
  WILLNEED: 3,
  DONTNEED: 4,
  FREE: 8,
  REMOVE: 9,
  DONTFORK: 10,
  DOFORK: 11,
  MERGEABLE: 12,
  UNMERGEABLE: 13,
  HUGEPAGE: 14,
  NOHUGEPAGE: 15,
  DONTDUMP: 16,
  DODUMP: 17,
} as const;

/**
 * Linux's `mmap_min_addr` default: `MAP_FIXED` below it fails with `EPERM`, so
 * a guest never gets address 0 (its `NULL`) or the page after it as a mapping.
 */
export const MMAP_MIN_ADDR = 0x10000;

/**
 * Linux's page on every architecture a wasm32 program is ported from: the
 * alignment `munmap`, `mprotect` and `madvise` accept from a guest, whatever
 * the backend's granule (see the sub-granule rule in `sub-granule.ts`).
 */
export const LINUX_PAGE_SIZE = 4096;

/** One past the highest wasm32 address. */
export const WASM32_ADDRESS_END = 2 ** 32;

/**
 * The largest raw result that is still an address rather than `-errno`: Linux
 * reserves [-4095, -1], that is [2^32 - 4095, 2^32 - 1] read unsigned.
 */
export const MAX_RESULT_ADDRESS = WASM32_ADDRESS_END - 4096;
