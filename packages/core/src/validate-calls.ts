import type { MmapAnnotation } from "./annotation.js";
import { MmapError, type OSCall, OSError } from "./errors.js";
import type { MadviseAdvice } from "./memory.js";
import type { MmapProtection } from "./protection.js";
import type { MmapStrategy } from "./strategy.js";
import {
  type AddressSpaceShape,
  checkAccess,
  checkAdvice,
  checkAlign,
  checkProtection,
  checkRange,
  checkSize,
  isByteCount,
} from "./validate.js";
import {
  type CheckedRemapOptions,
  checkAnnotation,
  checkBytes,
  describeValue,
  isAnnotation,
  readRemapOptions,
  validStrategy,
} from "./validate-values.js";

/**
 * Note [Checking every argument at the entry]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * One function per `OSMemory` method, which every backend calls first, before
 * it takes a lock, asks a kernel or changes a table. It checks every argument,
 * numbers and JS shapes alike, strictly left to right, so the first bad
 * argument decides the code and the same bad call fails the same way on every
 * backend: `EINVAL` for a value of the wrong type or shape, the range codes of
 * `checkRange` (`ENOMEM`, `munmap` `EINVAL`) past the end of the address space.
 * What it returns (strategy, annotation, options) is read once and immutable:
 * the backend uses it instead of the caller's objects. Checks that need the
 * backend's state (is it mapped, does it overlap) stay in the backends.
 */

/** What a map call may keep: the strategy and annotation as checked. */
export interface CheckedMap {
  readonly strategy: MmapStrategy;
  readonly annotation: MmapAnnotation | undefined;
  /** The alignment to use (at least a page); the page size for `dzmmap`. */
  readonly align: number;
}

/** Checks `dzmmap(start, size, strategy, annotation)`. */
export function checkDzmmapArguments(
  space: AddressSpaceShape,
  start: number,
  size: number,
  strategy: unknown,
  annotation: unknown,
): CheckedMap {
  const note = decoration(annotation);
  checkRange("mmap", start, size, space, note);
  const checked = validStrategy("mmap", strategy, start, size, note);
  return {
    strategy: checked,
    annotation: checkAnnotation("mmap", annotation, start, size),
    align: space.pageSize,
  };
}

/** Checks `dzmmapAnywhere(size, align, strategy, annotation)`. */
export function checkDzmmapAnywhereArguments(
  space: AddressSpaceShape,
  size: number,
  align: number,
  strategy: unknown,
  annotation: unknown,
): CheckedMap {
  const note = decoration(annotation);
  checkSize("mmap", size, space, undefined, note);
  const alignment = checkAlign("mmap", align, space, size, note);
  const checked = validStrategy("mmap", strategy, undefined, size, note);
  return {
    strategy: checked,
    annotation: checkAnnotation("mmap", annotation, undefined, size),
    align: alignment,
  };
}

/** Checks `dzmmapPreferred(start, size, align, strategy, annotation)`. */
export function checkDzmmapPreferredArguments(
  space: AddressSpaceShape,
  start: number,
  size: number,
  align: number,
  strategy: unknown,
  annotation: unknown,
): CheckedMap {
  const note = decoration(annotation);
  checkRange("mmap", start, size, space, note);
  const alignment = checkAlign("mmap", align, space, size, note);
  const checked = validStrategy("mmap", strategy, start, size, note);
  return {
    strategy: checked,
    annotation: checkAnnotation("mmap", annotation, start, size),
    align: alignment,
  };
}

/** Checks `munmap(start, size)`. */
export function checkMunmapArguments(space: AddressSpaceShape, start: number, size: number): void {
  checkRange("munmap", start, size, space);
}

/**
 * Checks `mremap(start, oldSize, newSize, options)`, including the rules Linux
 * applies to the flags alone (all `EINVAL`): `dontUnmap` and `newAddress` need
 * `mayMove`; `dontUnmap` cannot resize; `newAddress` must be page-aligned, inside
 * the address space, and must not overlap the old range.
 */
export function checkMremapArguments(
  space: AddressSpaceShape,
  start: number,
  oldSize: number,
  newSize: number,
  options: unknown,
): CheckedRemapOptions {
  checkRange("mremap", start, oldSize, space);
  checkSize("mremap", newSize, space, start);
  const checked = readRemapOptions(options, start, oldSize);
  const { mayMove, dontUnmap, newAddress } = checked;
  const fail = (detail: string) =>
    new MmapError({ code: "EINVAL", syscall: "mremap", address: start, size: oldSize, detail });
  if ((dontUnmap || newAddress !== undefined) && !mayMove) {
    throw fail("MREMAP_DONTUNMAP and MREMAP_FIXED need MREMAP_MAYMOVE");
  }
  if (dontUnmap && oldSize !== newSize) {
    throw fail("MREMAP_DONTUNMAP cannot change the size");
  }
  if (newAddress !== undefined) {
    if (!isByteCount(newAddress) || newAddress % space.pageSize !== 0) {
      throw fail(`new address ${String(newAddress)} is not a page-aligned address`);
    }
    if (newAddress + newSize > space.addressSpaceEnd) {
      throw fail("new range reaches past the end of the address space");
    }
    if (newAddress < start + oldSize && start < newAddress + newSize) {
      throw fail("new range overlaps the old one");
    }
  }
  return checked;
}

/** Checks `setMemoryAccess(start, size, prot)`. */
export function checkMprotectArguments(
  space: AddressSpaceShape,
  start: number,
  size: number,
  prot: unknown,
): asserts prot is MmapProtection {
  checkRange("mprotect", start, size, space);
  checkProtection("mprotect", prot, start, size);
}

/** Checks `madvise(start, size, advice)`. */
export function checkMadviseArguments(
  space: AddressSpaceShape,
  start: number,
  size: number,
  advice: unknown,
): asserts advice is MadviseAdvice {
  checkRange("madvise", start, size, space);
  checkAdvice(advice, start, size);
}

/** Checks `panicIfUnmapped(start, size)` (reported as `mmap`, as MMTk's panics are). */
export function checkPanicArguments(space: AddressSpaceShape, start: number, size: number): void {
  checkRange("mmap", start, size, space);
}

/**
 * Checks a naming call `(start, size, annotation)` such as `setAnnotation`: a
 * valid range, then an annotation or `undefined`. Returns the annotation to keep.
 */
export function checkAnnotateArguments(
  space: AddressSpaceShape,
  call: OSCall,
  start: number,
  size: number,
  annotation: unknown,
): MmapAnnotation | undefined {
  checkRange(call, start, size, space);
  return checkAnnotation(call, annotation, start, size);
}

/** Checks `read(address, length)`. */
export function checkReadArguments(address: number, length: number): void {
  checkAccess("read", address, length);
}

/** Checks `write(address, bytes)`: an address, then a `Uint8Array`. */
export function checkWriteArguments(address: number, bytes: unknown): asserts bytes is Uint8Array {
  checkAccess("write", address, 0);
  checkBytes(address, bytes);
}

/** Checks `fill(address, length, value)`: the value must be given, an integer 0–255. */
export function checkFillArguments(address: number, length: number, value: unknown): void {
  checkAccess("fill", address, length, value as number);
}

/** Checks `bindCurrentThreadToCore(core)`: a non-negative integer, else `OSError` `EINVAL`. */
export function checkCore(core: unknown): asserts core is number {
  if (!isByteCount(core)) {
    throw new OSError({
      code: "EINVAL",
      syscall: "sched_setaffinity",
      detail: `core must be a non-negative integer: ${describeValue(core)}`,
    });
  }
}

/**
 * Checks `bindCurrentThreadToCpuset(cores)`: a non-empty array of non-negative
 * integers, else `OSError` `EINVAL` (Linux refuses an empty mask). Returns a
 * frozen copy.
 */
export function checkCores(cores: unknown): readonly number[] {
  if (!Array.isArray(cores) || cores.length === 0) {
    throw new OSError({
      code: "EINVAL",
      syscall: "sched_setaffinity",
      detail: `cores must be a non-empty array of core numbers: ${describeValue(cores)}`,
    });
  }
  const copy = [...(cores as unknown[])];
  for (const core of copy) checkCore(core);
  return Object.freeze(copy as number[]);
}

/** The annotation to name in errors about other arguments: only a valid one. */
function decoration(annotation: unknown): MmapAnnotation | undefined {
  return annotation !== undefined && isAnnotation(annotation) ? annotation : undefined;
}
