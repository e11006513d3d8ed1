import { type MmapAnnotation, MmapError } from "@osal/core";

/*
 * The checks ghc-megablock makes itself (core's call path makes the rest):
 * its `dzmmap` refusal and GHC's megablock counts.
 */

/**
 * The error of `dzmmap`, which this backend cannot do (core's call path has
 * already refused MAP_FIXED_NOREPLACE over a mapping with `EEXIST`): `ENOTSUP`.
 */
export function fixedMappingError(
  start: number,
  size: number,
  annotation: MmapAnnotation | undefined,
): MmapError {
  return new MmapError({
    code: "ENOTSUP",
    syscall: "mmap",
    address: start,
    size,
    annotation,
    detail: "ghc-megablock cannot map at a fixed address; use dzmmapAnywhere",
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
