import { createRequire } from "node:module";
import { type ErrnoCode, errnoCodeOf } from "@osal/core";

/**
 * The Linux constants node-posix passes to libc. The values are the generic
 * Linux ABI ones, the same on x86_64 and aarch64.
 */
export const Linux = {
  PROT_NONE: 0,
  PROT_READ: 1,
  PROT_WRITE: 2,
  PROT_EXEC: 4,
  MAP_PRIVATE: 0x02,
  MAP_FIXED: 0x10,
  MAP_ANONYMOUS: 0x20,
  MAP_NORESERVE: 0x4000,
  MREMAP_MAYMOVE: 1,
  MREMAP_FIXED: 2,
  MADV_NORMAL: 0,
  MADV_RANDOM: 1,
  MADV_SEQUENTIAL: 2,
  MADV_WILLNEED: 3,
  MADV_DONTNEED: 4,
  MADV_HUGEPAGE: 14,
  MADV_NOHUGEPAGE: 15,
  MADV_DONTDUMP: 16,
  PR_SET_VMA: 0x53564d41,
  PR_SET_VMA_ANON_NAME: 0,
  SC_PAGESIZE: 30,
  /** `_IOWR('f', 17, struct procmap_query)`: query one VMA through a `/proc/<pid>/maps` fd (Linux 6.11+). */
  PROCMAP_QUERY: 0xc0686611,
  PROCMAP_QUERY_COVERING_OR_NEXT_VMA: 0x10,
} as const;

/**
 * The libc calls node-posix makes, with addresses as plain numbers (`uintptr_t`
 * in, `intptr_t` out: a user-space address is below 2^47, exact in a double).
 * Each returns what libc returns; on failure read {@link Libc.errno}.
 */
export interface Libc {
  mmap(
    addr: number,
    length: number,
    prot: number,
    flags: number,
    fd: number,
    offset: number,
  ): number;
  munmap(addr: number, length: number): number;
  mremap(oldAddr: number, oldSize: number, newSize: number, flags: number, newAddr: number): number;
  mprotect(addr: number, length: number, prot: number): number;
  madvise(addr: number, length: number, advice: number): number;
  prctl(option: number, arg2: number, arg3: number, arg4: number, arg5: string | null): number;
  sysconf(name: number): number;
  ioctl(fd: number, request: number, argument: Uint8Array): number;
  /** `errno` as the last call left it. */
  errno(): number;
  /** A live view of `length` bytes of process memory at `address` (never cached: it dangles once unmapped). */
  view(address: number, length: number): Uint8Array;
}

interface Koffi {
  load(path: string): {
    func(name: string, result: string, args: string[]): (...args: unknown[]) => unknown;
  };
  errno(): number;
  view(pointer: unknown, length: number): ArrayBuffer;
}

let loaded: Libc | undefined;

/**
 * Loads `libc.so.6` through koffi once per process. Throws an `Error` saying why
 * when koffi or libc cannot be loaded (not Linux, no native build for this
 * platform): node-posix cannot do anything without them.
 */
export function loadLibc(): Libc {
  if (loaded) return loaded;
  let koffi: Koffi;
  let lib: ReturnType<Koffi["load"]>;
  try {
    koffi = createRequire(import.meta.url)("koffi") as Koffi;
    lib = koffi.load("libc.so.6");
  } catch (error) {
    throw new Error(
      `@osal/node-posix needs koffi and the Linux C library (libc.so.6): ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  const fn = (name: string, result: string, args: string[]) =>
    lib.func(name, result, args) as (...args: unknown[]) => number;
  const mmap = fn("mmap", "intptr_t", ["uintptr_t", "size_t", "int", "int", "int", "intptr_t"]);
  const munmap = fn("munmap", "int", ["uintptr_t", "size_t"]);
  const mremap = fn("mremap", "intptr_t", ["uintptr_t", "size_t", "size_t", "int", "uintptr_t"]);
  const mprotect = fn("mprotect", "int", ["uintptr_t", "size_t", "int"]);
  const madvise = fn("madvise", "int", ["uintptr_t", "size_t", "int"]);
  const prctl = fn("prctl", "int", ["int", "unsigned long", "uintptr_t", "size_t", "const char *"]);
  const sysconf = fn("sysconf", "long", ["int"]);
  const ioctl = fn("ioctl", "int", ["int", "unsigned long", "_Inout_ uint8_t *"]);
  loaded = {
    mmap: (addr, length, prot, flags, fd, offset) =>
      Number(mmap(addr, length, prot, flags, fd, offset)),
    munmap: (addr, length) => munmap(addr, length),
    mremap: (oldAddr, oldSize, newSize, flags, newAddr) =>
      Number(mremap(oldAddr, oldSize, newSize, flags, newAddr)),
    mprotect: (addr, length, prot) => mprotect(addr, length, prot),
    madvise: (addr, length, advice) => madvise(addr, length, advice),
    prctl: (option, arg2, arg3, arg4, arg5) => prctl(option, arg2, arg3, arg4, arg5),
    sysconf: (name) => Number(sysconf(name)),
    ioctl: (fd, request, argument) => ioctl(fd, request, argument),
    errno: () => koffi.errno(),
    view: (address, length) => new Uint8Array(koffi.view(address, length)),
  };
  return loaded;
}

/** The osal code for a libc errno number; numbers osal does not know become `EIO`. */
export function codeOfErrno(errno: number): ErrnoCode {
  return errnoCodeOf(errno) ?? "EIO";
}
