import { MemoryFault, type MmapAnnotation, MmapError, MmapProtection } from "@osal/core";
import type { MegablockTable } from "./megablock-table.js";

/**
 * The checks ghc-megablock makes against its page table before a call changes
 * anything, each throwing the error Linux would give. Ranges are in megablock
 * numbers; `start` and `size` are the caller's bytes, for the error.
 */

/**
 * The error of `dzmmap`, which this backend cannot do: `EEXIST` for
 * MAP_FIXED_NOREPLACE (`replace` false) over a mapped megablock (the overlap is
 * reported before the placement, as core's call path does), else `ENOTSUP`.
 */
export function fixedMappingError(
  table: MegablockTable,
  megablockSize: number,
  start: number,
  size: number,
  replace: boolean,
  annotation: MmapAnnotation | undefined,
): MmapError {
  const first = start / megablockSize;
  const exists = !replace && table.firstMapped(first, first + size / megablockSize) !== undefined;
  return new MmapError({
    code: exists ? "EEXIST" : "ENOTSUP",
    syscall: "mmap",
    address: start,
    size,
    annotation,
    detail: exists
      ? "the range overlaps a mapping (MAP_FIXED_NOREPLACE)"
      : "ghc-megablock cannot map at a fixed address; use dzmmapAnywhere",
  });
}

/** The byte count of `n` megablocks; `EINVAL` unless `n` is a positive safe integer. */
export function megablockBytes(call: "mmap" | "munmap", n: number, megablockSize: number): number {
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new MmapError({
      code: "EINVAL",
      syscall: call,
      detail: `megablock count ${String(n)} must be a positive integer`,
    });
  }
  return n * megablockSize;
}

/**
 * Throws unless every megablock of `[first, end)` is mapped: `ENOMEM` for
 * mprotect, madvise and prctl (Linux's code for an unmapped range there),
 * `EFAULT` for `panicIfUnmapped` (reported as mmap).
 */
export function requireMapped(
  table: MegablockTable,
  megablockSize: number,
  call: "mprotect" | "madvise" | "prctl" | "mmap",
  first: number,
  end: number,
  start: number,
  size: number,
): void {
  const hole = table.firstUnmapped(first, end);
  if (hole !== undefined) {
    throw new MmapError({
      code: call === "mmap" ? "EFAULT" : "ENOMEM",
      syscall: call,
      address: start,
      size,
      detail: `megablock at ${hole * megablockSize} is not mapped`,
    });
  }
}

/** `EFAULT` (mremap's "not one mapping") unless `[first, end)` is mapped megablocks all mapped alike. */
export function requireOneMapping(
  table: MegablockTable,
  first: number,
  end: number,
  start: number,
  size: number,
): void {
  if (table.firstUnmapped(first, end) !== undefined) notOneMapping(start, size);
  for (let i = first + 1; i < end; i++) {
    if (!table.mappedAlike(first, i)) notOneMapping(start, size);
  }
}

function notOneMapping(start: number, size: number): never {
  throw new MmapError({
    code: "EFAULT",
    syscall: "mremap",
    address: start,
    size,
    detail: "the range is not one mapping",
  });
}

/**
 * Throws `MemoryFault` at the first byte of `[address, address + length)` that
 * is in an unmapped or `NoAccess` megablock.
 */
export function checkAccessible(
  table: MegablockTable,
  megablockSize: number,
  call: "read" | "write" | "fill",
  address: number,
  length: number,
): void {
  if (length === 0) return;
  const last = Math.ceil((address + length) / megablockSize);
  for (let i = Math.floor(address / megablockSize); i < last; i++) {
    const faultAddress = Math.max(address, i * megablockSize);
    if (!table.isMapped(i)) {
      throw new MemoryFault({
        syscall: call,
        address,
        size: length,
        faultAddress,
        reason: "unmapped",
      });
    }
    if (table.protOf(i) === MmapProtection.NoAccess) {
      throw new MemoryFault({
        syscall: call,
        address,
        size: length,
        faultAddress,
        reason: "protection",
      });
    }
  }
}
