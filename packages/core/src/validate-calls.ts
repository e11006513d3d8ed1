import type { MmapAnnotation } from "./annotation.js";
import type { Capabilities } from "./capabilities.js";
import { MmapError, OSError } from "./errors.js";
import type { MadviseAdvice } from "./memory.js";
import type { MmapProtection } from "./protection.js";
import { checkRemapOptions } from "./remap-options.js";
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
 * Checks `mremap(start, oldSize, newSize, options)`: the range and new size,
 * the options' shape ({@link readRemapOptions}), then Linux's rules for the flags
 * alone and the backend's support of them (`checkRemapOptions`: `EINVAL`, then
 * `ENOTSUP` for a flag `capabilities` does not declare). `space` is the backend.
 */
export function checkMremapArguments(
  space: AddressSpaceShape & { readonly capabilities: Capabilities },
  start: number,
  oldSize: number,
  newSize: number,
  options: unknown,
): CheckedRemapOptions {
  checkRange("mremap", start, oldSize, space);
  checkSize("mremap", newSize, space, start);
  const checked = readRemapOptions(options, start, oldSize);
  checkRemapOptions(checked, space.capabilities, start, oldSize, newSize, space);
  return checked;
}

/**
 * Checks `setMemoryAccess(start, size, prot)`. As Linux's `mprotect`, a bad
 * protection (`EINVAL`) wins over a range past the address space, whose
 * `ENOMEM` is what the kernel finds there (nothing mapped), not a bad argument.
 */
export function checkMprotectArguments(
  space: AddressSpaceShape,
  start: number,
  size: number,
  prot: unknown,
): asserts prot is MmapProtection {
  checkRangeThen("mprotect", start, size, space, () =>
    checkProtection("mprotect", prot, start, size),
  );
}

/** Checks `madvise(start, size, advice)`: as `mprotect`, bad advice (`EINVAL`) before `ENOMEM` past the end. */
export function checkMadviseArguments(
  space: AddressSpaceShape,
  start: number,
  size: number,
  advice: unknown,
): asserts advice is MadviseAdvice {
  checkRangeThen("madvise", start, size, space, () => checkAdvice(advice, start, size));
}

/** Checks `panicIfUnmapped(start, size)` (reported as `mmap`, as MMTk's panics are). */
export function checkPanicArguments(space: AddressSpaceShape, start: number, size: number): void {
  checkRange("mmap", start, size, space);
}

/**
 * Checks `setAnnotation(start, size, annotation)` (reported as `prctl`, the call
 * Linux names memory with): a valid range, then an annotation or `undefined`
 * (as Linux checks the name first, a bad one wins over `ENOMEM` past the end).
 * Returns the annotation to keep.
 */
export function checkSetAnnotationArguments(
  space: AddressSpaceShape,
  start: number,
  size: number,
  annotation: unknown,
): MmapAnnotation | undefined {
  let checked: MmapAnnotation | undefined;
  checkRangeThen("prctl", start, size, space, () => {
    checked = checkAnnotation("prctl", annotation, start, size);
  });
  return checked;
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

/**
 * `checkRange`, then `check` (the call's other argument); when the range is only
 * past the end of the address space (`ENOMEM`), `check` runs first, so its
 * `EINVAL` wins, as in Linux's `mprotect`, `madvise` and `prctl`.
 */
function checkRangeThen(
  call: "mprotect" | "madvise" | "prctl",
  start: number,
  size: number,
  space: AddressSpaceShape,
  check: () => void,
): void {
  try {
    checkRange(call, start, size, space);
  } catch (error) {
    if (error instanceof MmapError && error.code === "ENOMEM") check();
    throw error;
  }
  check();
}

/** The annotation to name in errors about other arguments: only a valid one. */
function decoration(annotation: unknown): MmapAnnotation | undefined {
  return annotation !== undefined && isAnnotation(annotation) ? annotation : undefined;
}
