/**
 * Note [One call path for every backend]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * Every backend used to write the same plumbing around its own data
 * structures: the argument checks and their order, stats counting, the
 * `EEXIST`/`ENOMEM`/`EFAULT` state checks, `isMmapOom`, `panicIfUnmapped`,
 * the access-fault walk, `/proc/self/maps` rendering. Written five times,
 * the same bad call failed with different codes on different backends.
 *
 * `MemoryBackend` is that plumbing, written once, in the way of MMTk's
 * `util::os` traits (the trait's default methods own the protocol, a
 * platform file implements a handful of primitives) and Effect's
 * `FileSystem.make(impl)` (derived methods and error mapping in one place).
 * Its public methods are the whole `OSMemory` + `MemoryAccess` interface and
 * are final by convention: a backend implements protected primitives only.
 *
 * The order of every call, the same on every backend:
 *   1. `StatsRecorder.begin`, and `fail` on the way out of a throw (the five
 *      counted calls), so a failed call counts;
 *   2. the argument checks of `validate-calls.ts`, strictly left to right
 *      (`EINVAL` for a bad value or shape, `ENOMEM`/`munmap EINVAL` past the
 *      address space, `ENOTSUP` for an `mremap` flag not in `capabilities`);
 *   3. {@link MemoryBackend.admit}: refusals the backend makes before looking
 *      at any mapping (a closed instance `EBADF`, `vm.mmap_min_addr` `EPERM`,
 *      injected faults), default none;
 *   4. between {@link MemoryBackend.lock} and `unlock` (default: no lock),
 *      the state checks core owns, from {@link MemoryBackend.mappedRuns}: `EEXIST` for
 *      `MAP_FIXED_NOREPLACE` over a mapped page, `ENOMEM` for `mprotect`,
 *      `madvise` and `prctl` over an unmapped page, `EFAULT` for
 *      `panicIfUnmapped` and for `mremap` without a mapping at the old
 *      address, `ENOMEM` for growing without `mayMove` when it cannot grow in
 *      place, `MemoryFault` for an access to an unmapped or `NoAccess` byte;
 *   5. the primitive, which changes state only when it succeeds (it may still
 *      fail with a code of its own: `ENOMEM` when full, `ENOTSUP` for a fixed
 *      address it cannot honour, a kernel's errno).
 *
 * Primitives (declared in backend-primitives.ts, with the hooks and the
 * questions derived from `mappedRuns`). Place and claim (`mapFixed`, `mapAnywhere`, `mapAtHint`),
 * release (`unmapRange`), remap (`remapSource`, `shrinkMapping`,
 * `growInPlace`, `moveMapping`, `remapTo`), protect, advise, rename, list
 * (`mappedRuns`, `getMappings`) and bytes (`readBytes`, `writeBytes`,
 * `fillBytes`). Levels go to `this.recorder` (`setMapped`, `setFootprint`,
 * `setCommitted`, `addZeroed`); `measureLevels` refreshes levels that are
 * read lazily, before every `stats()`.
 *
 * Options measured and rejected: a `make(impl)` function returning a plain
 * object (Effect's shape) would have made every backend's extra API
 * (`close`, `faults`, `pageStates`) a second object wrapped around the
 * first; a base class keeps one object, which is what `OperatingSystem`
 * promises. Deriving `getMappings` from `mappedRuns` was rejected: listings
 * merge by attributes each backend keeps differently (mock-unix keeps
 * Linux's hidden VMA boundaries), so the list stays a primitive; core renders
 * it (`getProcessMemoryMaps`), others' ranges added by the `mapsLines` hook.
 */
import type { MmapAnnotation } from "./annotation.js";
import { BackendPrimitives } from "./backend-primitives.js";
import { remapFault } from "./call-path-checks.js";
import { MmapError } from "./errors.js";
import { formatProcMaps, type MapsLine } from "./maps-format.js";
import type { MadviseAdvice, MremapOptions } from "./memory.js";
import type { OperatingSystem } from "./operating-system.js";
import type { MmapProtection } from "./protection.js";
import { rangesCover } from "./range-table.js";
import { unsupported } from "./remap-options.js";
import type { MemoryStats } from "./stats.js";
import type { MmapStrategy } from "./strategy.js";
import {
  checkDzmmapAnywhereArguments,
  checkDzmmapArguments,
  checkDzmmapPreferredArguments,
  checkFillArguments,
  checkMadviseArguments,
  checkMprotectArguments,
  checkMremapArguments,
  checkMunmapArguments,
  checkPanicArguments,
  checkReadArguments,
  checkSetAnnotationArguments,
  checkWriteArguments,
} from "./validate-calls.js";

/**
 * The shared call path: every `OSMemory`, `MemoryAccess` and maps-listing
 * method, with the validation order, error codes and stats of Note [One call
 * path for every backend]. A backend extends it and implements the protected
 * primitives of {@link BackendPrimitives}; it overrides no public method.
 * Process facts come from `HostProcess` (a simulated process overrides them).
 */
export abstract class MemoryBackend extends BackendPrimitives implements OperatingSystem {
  // ---- the call path -----------------------------------------------------------

  /** `mmap(MAP_FIXED | MAP_FIXED_NOREPLACE)`; see `OSMemory.dzmmap`. */
  dzmmap(start: number, size: number, strategy: MmapStrategy, annotation?: MmapAnnotation): void {
    this.recorder.begin("mmap");
    try {
      const checked = checkDzmmapArguments(this, start, size, strategy, annotation);
      this.admit("dzmmap", start, size, checked.annotation);
      this.lock();
      try {
        if (!checked.strategy.replace && !this.isFree(start, start + size)) {
          throw new MmapError({
            code: "EEXIST",
            syscall: "mmap",
            address: start,
            size,
            annotation: checked.annotation,
            detail: "MAP_FIXED_NOREPLACE overlaps a mapping",
          });
        }
        this.mapFixed(start, size, checked.strategy, checked.annotation);
      } finally {
        this.unlock();
      }
    } catch (error) {
      throw this.recorder.fail("mmap", error);
    }
  }

  /** `mmap` anywhere, aligned; see `OSMemory.dzmmapAnywhere`. */
  dzmmapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number {
    this.recorder.begin("mmap");
    try {
      const checked = checkDzmmapAnywhereArguments(this, size, align, strategy, annotation);
      this.admit("dzmmapAnywhere", undefined, size, checked.annotation);
      this.lock();
      try {
        return this.mapAnywhere(size, checked.align, checked.strategy, checked.annotation);
      } finally {
        this.unlock();
      }
    } catch (error) {
      throw this.recorder.fail("mmap", error);
    }
  }

  /** `mmap` with a hint address; see `OSMemory.dzmmapPreferred`. */
  dzmmapPreferred(
    start: number,
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number {
    this.recorder.begin("mmap");
    try {
      const checked = checkDzmmapPreferredArguments(this, start, size, align, strategy, annotation);
      this.admit("dzmmapPreferred", start, size, checked.annotation);
      this.lock();
      try {
        const hintFree = start % checked.align === 0 && this.isFree(start, start + size);
        if (hintFree && this.mapAtHint(start, size, checked.strategy, checked.annotation)) {
          return start;
        }
        return this.mapAnywhere(size, checked.align, checked.strategy, checked.annotation);
      } finally {
        this.unlock();
      }
    } catch (error) {
      throw this.recorder.fail("mmap", error);
    }
  }

  /** `munmap`; see `OSMemory.munmap`. */
  munmap(start: number, size: number): void {
    this.recorder.begin("munmap");
    try {
      checkMunmapArguments(this, start, size);
      this.admit("munmap", start, size, undefined);
      this.lock();
      try {
        this.unmapRange(start, size);
      } finally {
        this.unlock();
      }
    } catch (error) {
      throw this.recorder.fail("munmap", error);
    }
  }

  /** `mremap`; see `OSMemory.mremap`. */
  mremap(start: number, oldSize: number, newSize: number, options?: MremapOptions): number {
    this.recorder.begin("mremap");
    try {
      const checked = checkMremapArguments(this, start, oldSize, newSize, options);
      this.admit("mremap", start, oldSize, undefined);
      this.lock();
      try {
        if (checked.newAddress !== undefined || checked.dontUnmap === true) {
          return this.remapTo(start, oldSize, newSize, checked);
        }
        const grows = newSize > oldSize;
        const source = this.remapSource(start, oldSize, newSize);
        if (source === undefined || (grows && start + oldSize > source.end)) {
          throw remapFault(start, oldSize, source !== undefined);
        }
        if (newSize === oldSize) return start;
        if (!grows) {
          this.shrinkMapping(start, oldSize, newSize);
          return start;
        }
        const oldEnd = start + oldSize;
        const newEnd = start + newSize;
        const inPlace =
          oldEnd === source.end &&
          newEnd <= this.addressSpaceEnd &&
          this.isFree(oldEnd, newEnd) &&
          this.growInPlace(start, oldSize, newSize, source);
        if (inPlace) return start;
        if (checked.mayMove !== true) {
          throw new MmapError({
            code: "ENOMEM",
            syscall: "mremap",
            address: start,
            size: newSize,
            annotation: source.annotation,
            detail: "cannot grow in place and MREMAP_MAYMOVE not given",
          });
        }
        return this.moveMapping(start, oldSize, newSize, source);
      } finally {
        this.unlock();
      }
    } catch (error) {
      throw this.recorder.fail("mremap", error);
    }
  }

  /** `mprotect`; see `OSMemory.setMemoryAccess`. */
  setMemoryAccess(start: number, size: number, prot: MmapProtection): void {
    this.recorder.begin("mprotect");
    try {
      checkMprotectArguments(this, start, size, prot);
      this.admit("setMemoryAccess", start, size, undefined);
      this.lock();
      try {
        this.requireMapped("mprotect", start, size);
        this.protect(start, size, prot);
      } finally {
        this.unlock();
      }
    } catch (error) {
      throw this.recorder.fail("mprotect", error);
    }
  }

  /** `madvise`; see `OSMemory.madvise`. */
  madvise(start: number, size: number, advice: MadviseAdvice): void {
    this.recorder.begin("madvise");
    try {
      checkMadviseArguments(this, start, size, advice);
      this.admit("madvise", start, size, undefined);
      this.lock();
      try {
        this.requireMapped("madvise", start, size);
        this.advise(start, size, advice);
      } finally {
        this.unlock();
      }
    } catch (error) {
      throw this.recorder.fail("madvise", error);
    }
  }

  /** `prctl(PR_SET_VMA_ANON_NAME)`; see `OSMemory.setAnnotation`. */
  setAnnotation(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    const checked = checkSetAnnotationArguments(this, start, size, annotation);
    if (!this.capabilities.setAnnotation) {
      throw unsupported("prctl", "naming memory is not supported by this backend", start, size);
    }
    this.admit("setAnnotation", start, size, checked);
    this.locked(() => {
      this.requireMapped("prctl", start, size);
      this.rename(start, size, checked);
    });
  }

  /** Throws `EFAULT` (reported as `mmap`) unless every page of the range is mapped. */
  panicIfUnmapped(start: number, size: number): void {
    checkPanicArguments(this, start, size);
    this.locked(() => {
      if (!rangesCover(this.mappedRuns(start, start + size), start, start + size)) {
        throw new MmapError({
          code: "EFAULT",
          syscall: "mmap",
          address: start,
          size,
          detail: "range is not fully mapped",
        });
      }
    });
  }

  /** True for an `MmapError` with `ENOMEM`: every backend's out-of-memory. */
  isMmapOom(error: unknown): boolean {
    return error instanceof MmapError && error.code === "ENOMEM";
  }

  /** Counts, levels and zeroed bytes (levels measured lazily are refreshed first). */
  stats(): MemoryStats {
    this.measureLevels();
    return this.recorder.snapshot();
  }

  /** {@link MemoryBackend.mapsLines} as `/proc/self/maps` text, annotations as `[anon:…]`. */
  getProcessMemoryMaps(): string {
    return formatProcMaps(this.mapsLines());
  }

  /** What maps lists, by address: the mappings; a backend sharing its memory adds others' (`[heap]`). */
  protected mapsLines(): readonly MapsLine[] {
    return this.getMappings();
  }

  /** A copy of `length` bytes at `address`; `MemoryFault` on unmapped or `NoAccess` bytes. */
  read(address: number, length: number): Uint8Array {
    checkReadArguments(address, length);
    if (length === 0) return new Uint8Array(0);
    return this.locked(() => {
      this.checkAccessible("read", address, length);
      return this.readBytes(address, length);
    });
  }

  /** Copies `bytes` to `address`; `MemoryFault`, nothing written, on unmapped or `NoAccess` bytes. */
  write(address: number, bytes: Uint8Array): void {
    checkWriteArguments(address, bytes);
    if (bytes.length === 0) return;
    this.locked(() => {
      this.checkAccessible("write", address, bytes.length);
      this.writeBytes(address, bytes);
    });
  }

  /** Sets `length` bytes at `address` to `value`; `MemoryFault`, nothing written, as `write`. */
  fill(address: number, length: number, value: number): void {
    checkFillArguments(address, length, value);
    if (length === 0) return;
    this.locked(() => {
      this.checkAccessible("fill", address, length);
      this.fillBytes(address, length, value);
    });
  }
}
