import { isPowerOfTwo } from "./address.js";
import type { MmapAnnotation } from "./annotation.js";
import { MmapError, type OSCall } from "./errors.js";
import { type MadviseAdvice, madviseAdvices } from "./memory.js";
import { HugePageSupport, MmapProtection } from "./protection.js";
import type { MmapStrategyFields } from "./strategy.js";

/**
 * Argument checks shared by every backend, so that bad input fails the same way
 * everywhere and before anything changes. The codes follow Linux:
 * - an address or size that is not a non-negative safe integer, a size of 0, or
 *   a value not aligned to the page size → `EINVAL`;
 * - a range past the end of the address space → `ENOMEM` (`munmap`: `EINVAL`).
 */

/** The two numbers every range check needs. */
export interface AddressSpaceShape {
  /** Page size in bytes. */
  readonly pageSize: number;
  /** One past the highest mappable address. */
  readonly addressSpaceEnd: number;
}

/** Throws `EINVAL`/`ENOMEM` unless `[start, start + size)` is a valid page range. */
export function checkRange(
  call: OSCall,
  start: number,
  size: number,
  space: AddressSpaceShape,
  annotation?: MmapAnnotation,
): void {
  checkAddress(call, start, size, space, annotation);
  checkSize(call, size, space, start, annotation);
  if (start + size > space.addressSpaceEnd) {
    throw new MmapError({
      code: call === "munmap" ? "EINVAL" : "ENOMEM",
      syscall: call,
      address: start,
      size,
      annotation,
      detail: "past the end of the address space",
    });
  }
}

/** Throws `EINVAL` unless `start` is a page-aligned, non-negative safe integer. */
export function checkAddress(
  call: OSCall,
  start: number,
  size: number | undefined,
  space: AddressSpaceShape,
  annotation?: MmapAnnotation,
): void {
  if (!isByteCount(start) || start % space.pageSize !== 0) {
    throw new MmapError({
      code: "EINVAL",
      syscall: call,
      address: start,
      size,
      annotation,
      detail: `address must be a non-negative multiple of the page size ${space.pageSize}`,
    });
  }
}

/** Throws `EINVAL` (or `ENOMEM` when larger than the address space) unless `size` is a positive multiple of the page size. */
export function checkSize(
  call: OSCall,
  size: number,
  space: AddressSpaceShape,
  start?: number,
  annotation?: MmapAnnotation,
): void {
  if (!isByteCount(size) || size === 0 || size % space.pageSize !== 0) {
    throw new MmapError({
      code: "EINVAL",
      syscall: call,
      address: start,
      size,
      annotation,
      detail: `size must be a positive multiple of the page size ${space.pageSize}`,
    });
  }
  if (size > space.addressSpaceEnd) {
    throw new MmapError({
      code: call === "munmap" ? "EINVAL" : "ENOMEM",
      syscall: call,
      address: start,
      size,
      annotation,
      detail: "larger than the address space",
    });
  }
}

/**
 * Throws `EINVAL` unless `align` is a power of two; returns the alignment to use,
 * at least one page.
 */
export function checkAlign(
  call: OSCall,
  align: number,
  space: AddressSpaceShape,
  size?: number,
  annotation?: MmapAnnotation,
): number {
  if (!isPowerOfTwo(align)) {
    throw new MmapError({
      code: "EINVAL",
      syscall: call,
      size,
      annotation,
      detail: `alignment ${String(align)} is not a power of two`,
    });
  }
  return Math.max(align, space.pageSize);
}

/** Throws `EINVAL` unless `prot` is an {@link MmapProtection}. */
export function checkProtection(
  call: OSCall,
  prot: unknown,
  start?: number,
  size?: number,
): asserts prot is MmapProtection {
  if (!Object.values(MmapProtection).includes(prot as MmapProtection)) {
    throw new MmapError({
      code: "EINVAL",
      syscall: call,
      address: start,
      size,
      detail: `unknown protection ${String(prot)}`,
    });
  }
}

/** Throws `EINVAL` unless `strategy` has valid fields. */
export function checkStrategy(
  call: OSCall,
  strategy: MmapStrategyFields,
  start?: number,
  size?: number,
  annotation?: MmapAnnotation,
): void {
  const valid =
    typeof strategy === "object" &&
    strategy !== null &&
    Object.values(HugePageSupport).includes(strategy.hugePage) &&
    Object.values(MmapProtection).includes(strategy.prot) &&
    typeof strategy.replace === "boolean" &&
    typeof strategy.reserve === "boolean";
  if (!valid) {
    throw new MmapError({
      code: "EINVAL",
      syscall: call,
      address: start,
      size,
      annotation,
      detail: "invalid MmapStrategy",
    });
  }
}

/** Throws `EINVAL` unless `advice` is a {@link MadviseAdvice}. */
export function checkAdvice(
  advice: unknown,
  start?: number,
  size?: number,
): asserts advice is MadviseAdvice {
  if (!madviseAdvices.includes(advice as MadviseAdvice)) {
    throw new MmapError({
      code: "EINVAL",
      syscall: "madvise",
      address: start,
      size,
      detail: `unknown advice ${String(advice)}`,
    });
  }
}

/**
 * Checks the arguments of a memory access: `address` and `length` non-negative
 * safe integers (`length` may be 0), and for `fill` a byte value 0–255, which
 * must be given (an absent value is not a silent 0).
 * Throws `EINVAL`; whether the pages may be accessed is the backend's check.
 */
export function checkAccess(
  call: "read" | "write" | "fill",
  address: number,
  length: number,
  value?: number,
): void {
  if (!isByteCount(address) || !isByteCount(length)) {
    throw new MmapError({
      code: "EINVAL",
      syscall: call,
      address,
      size: length,
      detail: "address and length must be non-negative integers",
    });
  }
  if (
    call === "fill" &&
    !(Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 255)
  ) {
    throw new MmapError({
      code: "EINVAL",
      syscall: call,
      address,
      size: length,
      detail: `fill value ${String(value)} is not a byte`,
    });
  }
}

/** True for a non-negative safe integer. */
export function isByteCount(value: unknown): value is number {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}
