import type { MmapAnnotation } from "./annotation.js";
import {
  accessFault,
  type BackendCall,
  type MappedRun,
  type RemapSource,
  runsLeaveFree,
  unmappedRangeError,
} from "./call-path-checks.js";
import type { Capabilities } from "./capabilities.js";
import { MmapError } from "./errors.js";
import { HostProcess } from "./host-process.js";
import type { MadviseAdvice, MappingInfo } from "./memory.js";
import type { MmapProtection } from "./protection.js";
import { rangesCover } from "./range-table.js";
import { type MemoryCall, StatsRecorder } from "./stats.js";
import type { MmapStrategy } from "./strategy.js";
import type { CheckedRemapOptions } from "./validate-values.js";

/**
 * What a backend implements for core's call path ({@link MemoryBackend}, Note
 * [One call path for every backend]): its shape, the protected primitives over
 * its own data structures, the hooks with defaults (`admit`, `lock`/`unlock`,
 * `measureLevels`) and the questions derived from `mappedRuns` that the call
 * path and the primitives share. A backend extends `MemoryBackend`, never this
 * class directly: the two are split only to keep each file readable.
 */
export abstract class BackendPrimitives extends HostProcess {
  /** The page size in bytes: the unit of every range. */
  abstract readonly pageSize: number;
  /** One past the highest address this backend can ever map. */
  abstract readonly addressSpaceEnd: number;
  /** What this backend really does. */
  abstract readonly capabilities: Capabilities;
  /** Counts calls and keeps levels; primitives report levels and zeroing here. */
  protected readonly recorder = new StatsRecorder();

  // ---- primitives: mapping -------------------------------------------------

  /**
   * Maps fresh zero pages at exactly `[start, start + size)`, replacing what
   * is there (core already refused `MAP_FIXED_NOREPLACE` over mapped pages).
   * A backend that cannot place at `start` throws `ENOTSUP`, changing nothing.
   */
  protected abstract mapFixed(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): void;

  /** Places and maps `size` bytes aligned to `align` (at least a page); returns the address, or `ENOMEM`. */
  protected abstract mapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): number;

  /**
   * Maps at the hint `start` of `dzmmapPreferred`, which core found aligned
   * and free of mappings, if the backend can place there; returns false
   * (having changed nothing) to place anywhere instead. Default: hints unused.
   */
  protected mapAtHint(
    _start: number,
    _size: number,
    _strategy: MmapStrategy,
    _annotation: MmapAnnotation | undefined,
  ): boolean {
    return false;
  }

  /** Unmaps every mapped page of `[start, start + size)` (unmapped pages are skipped). */
  protected abstract unmapRange(start: number, size: number): void;

  // ---- primitives: remapping -----------------------------------------------

  /**
   * The mapping holding `start` for an `mremap` of `oldSize` to `newSize`, or
   * `undefined` when nothing is mapped there (core fails with `EFAULT`). A
   * backend with stricter rules throws {@link remapFault} itself.
   */
  protected abstract remapSource(
    start: number,
    oldSize: number,
    newSize: number,
  ): RemapSource | undefined;

  /** Unmaps `[start + newSize, start + oldSize)` of a mapping `mremap` shrinks. */
  protected abstract shrinkMapping(start: number, oldSize: number, newSize: number): void;

  /**
   * Grows the mapping ending at `start + oldSize` to `start + newSize`, pages
   * core found free and inside the address space; false when the backend
   * cannot (nothing changed). Default: never in place.
   */
  protected growInPlace(
    _start: number,
    _oldSize: number,
    _newSize: number,
    _source: RemapSource,
  ): boolean {
    return false;
  }

  /** Moves `[start, start + oldSize)` to a new place of `newSize` bytes (bytes and attributes kept); returns it. */
  protected abstract moveMapping(
    start: number,
    oldSize: number,
    newSize: number,
    source: RemapSource,
  ): number;

  /**
   * `mremap` with `newAddress` or `dontUnmap`, which core only passes on when
   * `capabilities.remapFixed` / `remapDontUnmap` declare them. Default: such a
   * backend must override it.
   */
  protected remapTo(
    start: number,
    oldSize: number,
    newSize: number,
    _options: CheckedRemapOptions,
  ): number {
    throw new MmapError({
      code: "ENOTSUP",
      syscall: "mremap",
      address: start,
      size: newSize > oldSize ? newSize : oldSize,
      detail: "MREMAP_FIXED and MREMAP_DONTUNMAP are not supported",
    });
  }

  // ---- primitives: attributes, listing, bytes -------------------------------

  /** Sets the protection of `[start, start + size)`, every page of which is mapped. */
  protected abstract protect(start: number, size: number, prot: MmapProtection): void;

  /** Applies `advice` to `[start, start + size)`, every page of which is mapped. */
  protected abstract advise(start: number, size: number, advice: MadviseAdvice): void;

  /** Names `[start, start + size)`, every page of which is mapped. */
  protected abstract rename(
    start: number,
    size: number,
    annotation: MmapAnnotation | undefined,
  ): void;

  /**
   * The mapped runs sharing a byte with `[start, end)`, in address order, not
   * overlapping (they may extend past the range). Core derives every "is it
   * free / mapped / accessible" question from it.
   */
  protected abstract mappedRuns(start: number, end: number): Iterable<MappedRun>;

  /** Copies `length` (> 0) accessible bytes at `address`. */
  protected abstract readBytes(address: number, length: number): Uint8Array;

  /** Writes `bytes` (not empty) to accessible memory at `address`. */
  protected abstract writeBytes(address: number, bytes: Uint8Array): void;

  /** Sets `length` (> 0) accessible bytes at `address` to `value`. */
  protected abstract fillBytes(address: number, length: number, value: number): void;

  /** The current mappings, sorted, adjacent identical ones merged (see `OSMemory.getMappings`). */
  abstract getMappings(): readonly MappingInfo[];

  /** Total memory of the host, or the most this backend could ever hand out, in bytes. */
  abstract getSystemTotalMemory(): number;

  // ---- hooks with defaults ---------------------------------------------------

  /**
   * Refusals the backend makes after the argument checks and before any state
   * check: a closed instance, an address below `vm.mmap_min_addr`, injected
   * faults. `start` is `undefined` for `dzmmapAnywhere`. Default: none.
   */
  protected admit(
    _call: BackendCall,
    _start: number | undefined,
    _size: number,
    _annotation: MmapAnnotation | undefined,
  ): void {}

  /**
   * Takes the backend's lock, held over a call's state checks and primitive
   * together; {@link BackendPrimitives.unlock} releases it. Default: no lock.
   */
  protected lock(): void {}

  /** Releases what {@link BackendPrimitives.lock} took; runs after the body, thrown or not. Default: nothing. */
  protected unlock(): void {}

  /**
   * Runs `body` between `lock` and `unlock`. The counted calls take the lock
   * themselves in a `try`/`finally` instead: the closure V8 left there cost
   * 0.06 µs of a 0.5 µs map+unmap pair.
   */
  protected locked<T>(body: () => T): T {
    this.lock();
    try {
      return body();
    } finally {
      this.unlock();
    }
  }

  /** Refreshes levels that are measured lazily, before `stats()` snapshots them. Default: none. */
  protected measureLevels(): void {}

  // ---- derived questions, for the call path and for primitives ----------------

  /** True when no page of `[start, end)` is mapped. */
  protected isFree(start: number, end: number): boolean {
    return runsLeaveFree(this.mappedRuns(start, end), start, end);
  }

  /** Throws `ENOMEM` (Linux's code for `mprotect`, `madvise`, `prctl` over a hole) unless all mapped. */
  protected requireMapped(call: MemoryCall | "prctl", start: number, size: number): void {
    if (!rangesCover(this.mappedRuns(start, start + size), start, start + size))
      throw unmappedRangeError(call, start, size);
  }

  /** Throws `MemoryFault` at the first byte of `[address, address + length)` that is unmapped or `NoAccess`. */
  protected checkAccessible(
    call: "read" | "write" | "fill",
    address: number,
    length: number,
  ): void {
    const fault = accessFault(call, this.mappedRuns(address, address + length), address, length);
    if (fault !== undefined) throw fault;
  }
}
