/*
 * Note [Megablocks over linear memory]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * This backend is GHC's wasm megablock allocator (rts/sm/OSMem.c for wasm)
 * turned into an osal backend. Linear memory only grows, in 64 KiB pages, has
 * no holes and no protection, so instead of emulating mmap on top of malloc it
 * grows the memory directly in megablocks (1 MiB by default, 64 KiB
 * selectable) and keeps what is freed for reuse.
 *
 * Page size. The megablock is the page: every range is megablock-aligned and a
 * whole number of megablocks; partial munmap works at that granularity.
 *
 * Data structures. A page table (MegablockTable) with one entry per megablock
 * of the address space: Foreign (never ours), Free or Mapped, a dirty bit
 * (handed out at least once since it was grown, so its bytes may be non-zero)
 * and, for mapped megablocks, an interned attribute id (protection, reserve,
 * huge page hint, annotation). Beside it the free list (FreeRuns): runs of
 * free megablocks sorted by address and always coalesced, so freeing a range
 * merges with its neighbours at once. MegablockSpace owns both and does the
 * placement, growth and zeroing below; this file validates arguments, counts
 * calls and speaks OSMemory.
 *
 * Memory source. Fresh megablocks come from `memory.grow`. The first fresh
 * megablock starts at the memory's current size rounded up to the megablock
 * size (and to the requested alignment); the bytes between the old size and
 * that boundary are never handed out, nor is anything anyone else grew: only
 * megablocks this backend grew become Free or Mapped, the rest stay Foreign.
 * Megablock 0 is never handed out either, so no mapping starts at address 0
 * (the C null pointer). When alignment pushes the start past the next
 * boundary, the megablocks skipped are grown too and go to the free list
 * (clean). A `memory.grow` failure, or a request past the maximum, is ENOMEM
 * before anything changed. Memory is never returned: wasm cannot shrink.
 * Growth goes by the shared growth policy of @osal/core (option `growth`,
 * Note [Growth policy] in wasm-page-manager's page-manager.ts): the memory
 * grows to a megablock boundary at most one step past the request, and the
 * megablocks grown ahead go to the free list, clean (never zeroed when handed
 * out). When the whole step cannot be grown, exactly the request is.
 *
 * Fit policy. Requests are served from the free list before the memory grows,
 * by address-ordered first fit: the lowest suitably aligned start inside one
 * run. First fit in address order is what GHC's own megablock free list does;
 * it keeps live megablocks packed low and leaves the highest run large. That
 * matters here because the highest run, when it touches the end of the
 * memory, is extended by growing only the missing megablocks rather than
 * starting a fresh range above it: the cheapest way to serve a large request.
 * Coalescing keeps the run count small, so the linear scan stays short. Best
 * fit was measured on the zend and ghc workloads and left a higher peak (the
 * peak is what linear memory costs, since it never shrinks), and it would need
 * a second, size-ordered index. One refinement: a request of 2 MiB or more
 * first looks for a fit aligned to 2 MiB, as Linux aligns large anonymous
 * mappings to its huge page size; allocators that over-map and trim to get
 * 2 MiB alignment (PHP's zend_alloc) then succeed on the first try instead of
 * mapping, unmapping and mapping again (and zeroing twice).
 *
 * Zeroing. Fresh megablocks are zero (linear memory grows zeroed) and are
 * never memset. A dirty megablock taken from the free list is zeroed when it
 * is mapped accessible; `madvise(dontneed)` zeroes the accessible megablocks of
 * its range. `NoAccess` megablocks are zeroed lazily, see Note [Lazy zeroing of
 * megablocks] in megablock-space.ts. `stats().zeroedBytes` counts exactly the bytes written by those
 * fills, when they are written.
 *
 * Remapping. Growing in place without MREMAP_MAYMOVE is refused with ENOMEM
 * (capabilities.remapInPlace is false). With mayMove the mapping grows in
 * place when the megablocks after it are free (or are the end of the memory),
 * else it moves: new megablocks, copy, old ones freed. Shrinking frees the tail.
 *
 * Fixed placement. `dzmmap` (MAP_FIXED or MAP_FIXED_NOREPLACE) is ENOTSUP:
 * GHC's allocator picks addresses, callers don't. `dzmmapPreferred` honours its
 * hint when the range is free megablocks (or continues into the growable end).
 *
 * Protection is recorded, shown in the maps and checked by the access API
 * (read/write/fill fault on unmapped and NoAccess megablocks); direct stores to
 * the WebAssembly.Memory cannot be stopped.
 *
 * Locking. None: the backend is single-threaded, and a shared memory is
 * refused when the backend is created.
 */

import type { LinearMemory } from "@osal/core";
import {
  type Capabilities,
  checkAnnotation,
  checkDzmmapAnywhereArguments,
  checkDzmmapArguments,
  checkDzmmapPreferredArguments,
  checkFillArguments,
  checkMadviseArguments,
  checkMprotectArguments,
  checkMremapArguments,
  checkMunmapArguments,
  checkPanicArguments,
  checkRange,
  checkReadArguments,
  checkSetAnnotationArguments,
  checkSize,
  checkWriteArguments,
  formatProcMaps,
  HostProcess,
  isSharedMemory,
  type MadviseAdvice,
  type MappingInfo,
  type MapsLine,
  type MemoryStats,
  MmapAnnotation,
  MmapError,
  MmapProtection,
  MmapStrategy,
  type MremapOptions,
  type OperatingSystem,
  type PageStateReporter,
  type PageStateRun,
  StatsRecorder,
} from "@osal/core";
import {
  AnnotationTable,
  encodeAttributes,
  LinearMemoryEngine,
  type SharedState,
} from "@osal/linear-memory";
import { ghcMegablockCapabilities, ghcMegablockSharedCapabilities } from "./capabilities.js";
import type { FreeRuns } from "./free-runs.js";
import {
  checkAccessible,
  megablockBytes,
  requireMapped,
  requireOneMapping,
} from "./megablock-checks.js";
import { MegablockSpace } from "./megablock-space.js";
import type { MegablockTable } from "./megablock-table.js";
import { type GhcMegablockOptions, resolveOptions } from "./options.js";

/** The annotation `getMBlocks` gives its megablocks unless told otherwise. */
export const MBLOCK_ANNOTATION = MmapAnnotation.misc("megablocks");

/** The name foreign memory (not this backend's) has in `getProcessMemoryMaps`. */
export const FOREIGN_MEMORY_NAME = "[heap]";

/**
 * GHC's megablock allocator as an osal backend: `OSMemory` over a
 * `WebAssembly.Memory` at megablock granularity, plus GHC's own
 * `getMBlocks`/`freeMBlocks`, and the host's process facts.
 */
export class GhcMegablock extends HostProcess implements OperatingSystem, PageStateReporter {
  /** The megablock size: every range is a whole number of megablocks. */
  readonly pageSize: number;
  /** The memory's maximum rounded down to a megablock: nothing is ever mapped past it. */
  readonly addressSpaceEnd: number;
  /** See {@link ghcMegablockCapabilities}; `threadSafe` on a shared memory. */
  readonly capabilities: Capabilities;
  /** The linear memory megablocks are grown from (index it directly if you must; the access API checks). */
  readonly memory: LinearMemory;

  private readonly recorder = new StatsRecorder();
  private readonly shared: SharedState<FreeRuns>;
  private readonly engine: LinearMemoryEngine<FreeRuns>;
  private readonly annotations: AnnotationTable;
  private readonly maximumBytes: number;
  private readonly space: MegablockSpace;
  private readonly table: MegablockTable;

  /** Use {@link createGhcMegablock}. */
  constructor(options: GhcMegablockOptions = {}) {
    super();
    const resolved = resolveOptions(options);
    this.memory = resolved.memory;
    this.shared = resolved.state;
    this.pageSize = this.shared.granule;
    this.maximumBytes = resolved.maximumBytes;
    this.capabilities = isSharedMemory(this.memory)
      ? ghcMegablockSharedCapabilities
      : ghcMegablockCapabilities;
    this.engine = new LinearMemoryEngine({
      memory: resolved.memory,
      state: this.shared,
      fresh: resolved.fresh,
      source: resolved.source,
      growth: resolved.growth,
      counters: this.recorder,
    });
    this.annotations = new AnnotationTable(this.shared);
    this.space = new MegablockSpace(this.engine, this.shared.index, this.annotations);
    this.table = this.space.table;
    this.addressSpaceEnd = this.table.count * this.pageSize;
    this.locked(() => undefined);
  }

  /**
   * The state buffer (page table, free runs, attributes, lock). Post it, with
   * the shared memory, to another worker and call
   * `createGhcMegablock({ memory, shared: { state } })` there to get a backend
   * that agrees with this one on every megablock.
   */
  get state(): SharedArrayBuffer | ArrayBuffer {
    return this.shared.buffer;
  }

  // ---- GHC's interface ------------------------------------------------------

  /**
   * GHC's `getMBlocks`: `n` consecutive megablocks, aligned to the megablock
   * size, read-write and reading as zeros. Returns the address of the first.
   * Counted as an `mmap` call. `EINVAL` for a bad `n`, `ENOMEM` when the memory
   * cannot grow.
   */
  getMBlocks(n: number, annotation: MmapAnnotation = MBLOCK_ANNOTATION): number {
    return this.recorder.track("mmap", () => {
      const size = megablockBytes("mmap", n, this.pageSize);
      checkSize("mmap", size, this);
      const checked = checkAnnotation("mmap", annotation, undefined, size);
      return this.locked(() =>
        this.mapAnywhere(size, this.pageSize, MmapStrategy.DEFAULT, checked),
      );
    });
  }

  /**
   * GHC's `freeMBlocks`: returns `n` megablocks starting at `address` to the free
   * list (memory is never given back to the host). Like `munmap`, megablocks that
   * are not mapped are skipped. Counted as a `munmap` call.
   */
  freeMBlocks(address: number, n: number): void {
    this.recorder.track("munmap", () => {
      const size = megablockBytes("munmap", n, this.pageSize);
      checkRange("munmap", address, size, this);
      this.locked(() =>
        this.space.release(address / this.pageSize, (address + size) / this.pageSize),
      );
    });
  }

  // ---- OSMemory ---------------------------------------------------------------

  /**
   * Always `ENOTSUP` after validating its arguments: this backend chooses
   * addresses itself and cannot honour `MAP_FIXED` or `MAP_FIXED_NOREPLACE`.
   * Nothing is changed.
   */
  dzmmap(start: number, size: number, strategy: MmapStrategy, annotation?: MmapAnnotation): void {
    this.recorder.track("mmap", () => {
      ({ strategy, annotation } = checkDzmmapArguments(this, start, size, strategy, annotation));
      throw new MmapError({
        code: "ENOTSUP",
        syscall: "mmap",
        address: start,
        size,
        annotation,
        detail: `ghc-megablock cannot map at a fixed address (${strategy.replace ? "MAP_FIXED" : "MAP_FIXED_NOREPLACE"}); use dzmmapAnywhere`,
      });
    });
  }

  /**
   * Maps `size` bytes of zeros at an address aligned to `align` (at least a
   * megablock): from the free list by address-ordered first fit, else by growing
   * the memory. `ENOMEM` when the memory cannot grow, with nothing changed.
   */
  dzmmapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number {
    return this.recorder.track("mmap", () => {
      const checked = checkDzmmapAnywhereArguments(this, size, align, strategy, annotation);
      return this.locked(() =>
        this.mapAnywhere(size, checked.align, checked.strategy, checked.annotation),
      );
    });
  }

  /**
   * Maps at `start` when those megablocks are free (or continue into the end of
   * the memory, which then grows), otherwise anywhere aligned to `align`. Never
   * replaces a mapping.
   */
  dzmmapPreferred(
    start: number,
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number {
    return this.recorder.track("mmap", () => {
      const checked = checkDzmmapPreferredArguments(this, start, size, align, strategy, annotation);
      ({ strategy, annotation } = checked);
      const alignment = checked.align;
      const first = start / this.pageSize;
      const end = first + size / this.pageSize;
      return this.locked(() => {
        const attributes = encodeAttributes(strategy.prot, strategy.reserve, strategy.hugePage);
        const here =
          first % (alignment / this.pageSize) === 0 &&
          this.space.tryClaim(first, end, attributes, this.annotations.intern(annotation));
        return here ? start : this.mapAnywhere(size, alignment, strategy, annotation);
      });
    });
  }

  /**
   * Unmaps the mapped megablocks in the range and puts them on the free list,
   * coalescing with free neighbours. Unmapped or foreign megablocks are skipped.
   */
  munmap(start: number, size: number): void {
    this.recorder.track("munmap", () => {
      checkMunmapArguments(this, start, size);
      this.locked(() => this.space.release(start / this.pageSize, (start + size) / this.pageSize));
    });
  }

  /**
   * Linux `mremap` at megablock granularity. `[start, start + oldSize)` must be
   * one mapping (else `EFAULT`). Shrinking frees the tail. Growing without
   * `mayMove` is `ENOMEM` (no in-place remap), the mapping intact; with
   * `mayMove` it grows in place when the next megablocks are free, else moves
   * (copying the bytes, keeping the attributes). Returns the address.
   */
  mremap(start: number, oldSize: number, newSize: number, given?: MremapOptions): number {
    return this.recorder.track("mremap", () => {
      const options = checkMremapArguments(this, start, oldSize, newSize, given);
      const first = start / this.pageSize;
      const oldEnd = first + oldSize / this.pageSize;
      const newCount = newSize / this.pageSize;
      return this.locked(() => {
        requireOneMapping(this.table, first, oldEnd, start, oldSize);
        const annotation = this.table.annotationOf(first);
        if (newSize <= oldSize) {
          this.space.release(first + newCount, oldEnd);
          return start;
        }
        if (!options.mayMove) {
          throw new MmapError({
            code: "ENOMEM",
            syscall: "mremap",
            address: start,
            size: newSize,
            annotation,
            detail: "ghc-megablock cannot grow a mapping in place; pass mayMove",
          });
        }
        const moved = this.space.enlarge(first, oldEnd, first + newCount, annotation);
        return moved * this.pageSize;
      });
    });
  }

  /**
   * Records a new protection for every megablock of the range; `ENOMEM` if any
   * is unmapped. Opening a range zeroes its megablocks whose zeroing was
   * deferred (Note [Lazy zeroing of megablocks], megablock-space.ts); other bytes are kept.
   */
  setMemoryAccess(start: number, size: number, prot: MmapProtection): void {
    this.recorder.track("mprotect", () => {
      checkMprotectArguments(this, start, size, prot);
      const first = start / this.pageSize;
      const end = first + size / this.pageSize;
      this.locked(() => {
        requireMapped(this.table, this.pageSize, "mprotect", first, end, start, size);
        this.table.protect(first, end, prot);
        if (prot !== MmapProtection.NoAccess) this.engine.open(first, end);
      });
    });
  }

  /**
   * Advice on a mapped range (`ENOMEM` if any megablock is unmapped). `dontneed`
   * zeroes the accessible megablocks of the range (counted in `zeroedBytes`) and
   * defers the zeroing of `NoAccess` ones until they are opened; other advice is
   * accepted and has no effect here.
   */
  madvise(start: number, size: number, advice: MadviseAdvice): void {
    this.recorder.track("madvise", () => {
      checkMadviseArguments(this, start, size, advice);
      const first = start / this.pageSize;
      const end = first + size / this.pageSize;
      this.locked(() => {
        requireMapped(this.table, this.pageSize, "madvise", first, end, start, size);
        if (advice === "dontneed") this.engine.discard(first, end);
      });
    });
  }

  /**
   * Renames every megablock of the range (`PR_SET_VMA_ANON_NAME`); `ENOMEM`,
   * nothing renamed, if any megablock is unmapped.
   */
  setAnnotation(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    annotation = checkSetAnnotationArguments(this, start, size, annotation);
    const first = start / this.pageSize;
    const end = first + size / this.pageSize;
    this.locked(() => {
      requireMapped(this.table, this.pageSize, "prctl", first, end, start, size);
      this.table.rename(first, end, annotation);
    });
  }

  panicIfUnmapped(start: number, size: number): void {
    checkPanicArguments(this, start, size);
    const first = start / this.pageSize;
    const end = first + size / this.pageSize;
    this.locked(() => requireMapped(this.table, this.pageSize, "mmap", first, end, start, size));
  }

  /** True for an `MmapError` with code `ENOMEM`. */
  isMmapOom(error: unknown): boolean {
    return error instanceof MmapError && error.code === "ENOMEM";
  }

  /** The memory's maximum in bytes: the most this backend could ever hold. */
  getSystemTotalMemory(): number {
    return this.maximumBytes;
  }

  /** The mappings, by address, adjacent megablocks mapped alike merged. */
  getMappings(): readonly MappingInfo[] {
    return this.locked(() => this.table.mappings(this.pageSize));
  }

  /** Calls, mapped and committed bytes, zeroed bytes, and footprint (`memory.buffer.byteLength`). */
  stats(): MemoryStats {
    this.locked(() => undefined);
    return this.recorder.snapshot();
  }

  // ---- MemoryAccess -----------------------------------------------------------

  /** A copy of mapped, accessible bytes; `MemoryFault` on unmapped or `NoAccess` megablocks. */
  read(address: number, length: number): Uint8Array {
    checkReadArguments(address, length);
    return this.locked(() => {
      checkAccessible(this.table, this.pageSize, "read", address, length);
      return this.space.bytes(address + length).slice(address, address + length);
    });
  }

  /** Writes into mapped, accessible megablocks; `MemoryFault` (nothing written) otherwise. */
  write(address: number, bytes: Uint8Array): void {
    checkWriteArguments(address, bytes);
    this.locked(() => {
      checkAccessible(this.table, this.pageSize, "write", address, bytes.length);
      // Nothing to write: valid even past the end of the current memory.
      if (bytes.length > 0) this.space.bytes(address + bytes.length).set(bytes, address);
    });
  }

  /** Fills mapped, accessible bytes with `value`; `MemoryFault` (nothing written) otherwise. */
  fill(address: number, length: number, value: number): void {
    checkFillArguments(address, length, value);
    this.locked(() => {
      checkAccessible(this.table, this.pageSize, "fill", address, length);
      this.space.bytes(address + length).fill(value, address, address + length);
    });
  }

  // ---- OSProcess ----------------------------------------------------------------

  /** Free megablocks as zeroed (never handed out) or dirty (reused), and memory not this backend's. */
  pageStates(): readonly PageStateRun[] {
    return this.locked(() => this.space.pageStates());
  }

  /**
   * `/proc/self/maps` for the linear memory: this backend's mappings with their
   * annotations, and every range of the memory it does not own (what was there
   * before it, alignment gaps, pages grown by others) as `[heap]`. Free
   * megablocks are not mappings and are not listed.
   */
  getProcessMemoryMaps(): string {
    const lines: MapsLine[] = this.getMappings().map((mapping) => ({
      start: mapping.start,
      end: mapping.end,
      prot: mapping.prot,
      annotation: mapping.annotation,
    }));
    for (const range of this.locked(() => this.space.foreignRanges())) {
      lines.push({ ...range, prot: MmapProtection.ReadWrite, name: FOREIGN_MEMORY_NAME });
    }
    lines.sort((a, b) => a.start - b.start);
    return formatProcMaps(lines);
  }

  // ---- internals ----------------------------------------------------------------

  private mapAnywhere(
    size: number,
    alignment: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): number {
    const count = size / this.pageSize;
    const attributes = encodeAttributes(strategy.prot, strategy.reserve, strategy.hugePage);
    const id = this.annotations.intern(annotation);
    const first = this.space.mapAnywhere(
      count,
      alignment / this.pageSize,
      attributes,
      id,
      "mmap",
      annotation,
    );
    return first * this.pageSize;
  }

  /**
   * Runs `body` holding the state lock (every read or change of the page
   * table, free runs and counters does), then records the levels it left.
   */
  private locked<T>(body: () => T): T {
    this.shared.lock.acquire();
    try {
      return body();
    } finally {
      this.recorder.setMapped(this.table.mappedCount * this.pageSize);
      this.recorder.setCommitted(this.table.committedCount * this.pageSize);
      this.recorder.setFootprint(this.memory.buffer.byteLength);
      this.shared.lock.release();
    }
  }
}

/**
 * Creates a ghc-megablock backend over `options.memory` (or a memory of its
 * own). Throws `EINVAL` for bad options and `ENOTSUP` for a shared memory.
 */
export function createGhcMegablock(options: GhcMegablockOptions = {}): GhcMegablock {
  return new GhcMegablock(options);
}
