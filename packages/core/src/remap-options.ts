import { rangesOverlap } from "./address.js";
import type { MmapAnnotation } from "./annotation.js";
import type { Capabilities } from "./capabilities.js";
import { MmapError } from "./errors.js";
import type { MremapOptions } from "./memory.js";
import type { MemoryCall } from "./stats.js";
import { type AddressSpaceShape, checkRange, isByteCount } from "./validate.js";

/**
 * The `mremap` flag rules that need only the arguments, as Linux 6.17 checks
 * them before looking at any mapping, then the backend's support: every backend
 * calls it at entry (after the range checks) so the same input fails the same
 * way everywhere and changes nothing.
 * - `dontUnmap` or `newAddress` without `mayMove` → `EINVAL`;
 * - `dontUnmap` with `oldSize !== newSize` → `EINVAL` (Linux 6.17 still requires it);
 * - `newAddress` not page-aligned, past the address space, or overlapping the
 *   old range (`[start, start + oldSize)` against `[newAddress, newAddress + newSize)`) → `EINVAL`;
 * - a flag the backend does not declare (`remapDontUnmap`, `remapFixed`) → `ENOTSUP`.
 */
export function checkRemapOptions(
  options: MremapOptions | undefined,
  capabilities: Capabilities,
  start: number,
  oldSize: number,
  newSize: number,
  space: { readonly pageSize: number; readonly addressSpaceEnd: number },
): void {
  if (options === undefined) return;
  const mayMove = options.mayMove === true;
  const dontUnmap = options.dontUnmap === true;
  const target = options.newAddress;
  const invalid = (detail: string, address = start, size = oldSize): MmapError =>
    new MmapError({ code: "EINVAL", syscall: "mremap", address, size, detail });
  if (dontUnmap && !mayMove) throw invalid("MREMAP_DONTUNMAP requires MREMAP_MAYMOVE");
  if (target !== undefined && !mayMove) throw invalid("MREMAP_FIXED requires MREMAP_MAYMOVE");
  if (dontUnmap && oldSize !== newSize) {
    throw invalid("MREMAP_DONTUNMAP requires the old and new sizes to be equal");
  }
  if (target !== undefined) {
    if (!isByteCount(target) || target % space.pageSize !== 0) {
      throw invalid("the new address is not page-aligned", target, newSize);
    }
    if (target + newSize > space.addressSpaceEnd) {
      throw invalid("the new range is past the end of the address space", target, newSize);
    }
    if (rangesOverlap(start, start + oldSize, target, target + newSize)) {
      throw invalid("the old and new ranges overlap", target, newSize);
    }
  }
  if (dontUnmap && !capabilities.remapDontUnmap) {
    throw unsupported(
      "mremap",
      "MREMAP_DONTUNMAP is not supported by this backend",
      start,
      oldSize,
    );
  }
  if (target !== undefined && !capabilities.remapFixed) {
    throw unsupported("mremap", "MREMAP_FIXED is not supported by this backend", start, oldSize);
  }
}

/**
 * The typed error of an operation a backend does not do (`ENOTSUP`), for the
 * calls and flags its {@link Capabilities} declare false.
 */
export function unsupported(
  call: "mremap" | "prctl" | "mmap",
  detail: string,
  address?: number,
  size?: number,
  annotation?: MmapAnnotation,
): MmapError {
  return new MmapError({ code: "ENOTSUP", syscall: call, address, size, annotation, detail });
}

/**
 * The range check of `setAnnotation`, reported as `prctl` (`PR_SET_VMA_ANON_NAME`):
 * the same rules as every other range (`EINVAL`, `ENOMEM` past the address space).
 */
export function checkAnnotationRange(start: number, size: number, space: AddressSpaceShape): void {
  // checkRange only puts the call name into its errors; prctl is not counted in stats.
  checkRange("prctl" as MemoryCall, start, size, space);
}
