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
 * Data structures. The page table is the linear-memory engine's
 * (@osal/linear-memory, one granule = one megablock): per megablock a state
 * (Unclaimed past the frontier, External: not ours, FreeZeroed, FreeDirty,
 * Allocated), an attribute byte (protection, reserve, huge page hint), an
 * interned annotation id and a zero mark. Beside it, as the engine's free-page
 * index, the free list (FreeRuns): runs of placeable megablocks sorted by
 * address and always coalesced, so freeing a range merges with its neighbours
 * at once; the unclaimed megablocks past the frontier are one more run, up to
 * the end of the address space. MegablockSpace places, claims, moves and frees
 * over them, MegablockTable reads them; this file validates arguments, counts
 * calls and speaks OSMemory.
 *
 * Memory source. The engine's page sources: `memory.grow` (the default), or a
 * guest's `sbrk` (option `source`, for Emscripten, whose malloc would hand out
 * again what was grown behind its back). A megablock becomes ours only when a
 * source gives it to us: what was in the memory before, anything anyone else
 * grew (accounted for as External before claiming past the frontier and before
 * listing), and a megablock the old end of the memory cuts in two, are never
 * handed out. Megablock 0 is grown like any other but never handed out (listed
 * free-zeroed), so no mapping starts at address 0 (the C null pointer). When
 * alignment pushes the start past the frontier, the megablocks skipped are
 * claimed too and stay free (clean). A failed growth, or a request past the
 * maximum, is ENOMEM before anything changed. Memory is never returned: wasm
 * cannot shrink. Growth goes by the shared growth policy of @osal/core (option
 * `growth`, Note [Growth policy] in @osal/linear-memory's page-source.ts): at
 * most one step past the request in whole megablocks, the megablocks grown
 * ahead free and clean (never zeroed when handed out); when the whole step
 * cannot be grown, exactly the request is.
 *
 * Fit policy. Address-ordered first fit over the free runs, as GHC's own
 * free list; see Note [Megablock fit policy] in megablock-space.ts.
 *
 * Zeroing. The engine's (Note [Lazy zeroing] in @osal/linear-memory's
 * engine.ts): fresh megablocks are zero and never memset; a dirty one is
 * zeroed when it is mapped accessible; `madvise(dontneed)` zeroes accessible
 * megablocks at once; `NoAccess` ones are only marked (Pending or Zero) and
 * zeroed when opened, so decommit then commit zeroes once. What is ghc's own:
 * a moving mremap copies only megablocks with contents and carries a Pending
 * or Zero mark to the new place (markWhenMoved) instead of writing zeros.
 * `stats().zeroedBytes` counts exactly the bytes written, when they are.
 *
 * Remapping. Growing without MREMAP_MAYMOVE is ENOMEM (no remapInPlace); with
 * it, in place when the next megablocks are free, else moved (copied, freed).
 * Fixed placement. `dzmmap` is ENOTSUP (GHC's allocator picks addresses);
 * `dzmmapPreferred` honours a hint on free (or unclaimed) megablocks.
 * Protection is recorded, listed and checked by read/write/fill (MemoryFault
 * on unmapped and NoAccess megablocks); direct stores cannot be stopped.
 *
 * Calls go by core's call path (MemoryBackend): argument checks, error order,
 * stats and access faults are core's; this file gives it primitives.
 *
 * Locking. Everything above lives in one state buffer, a SharedArrayBuffer
 * on a shared memory (option `shared`, or a shared `memory`): the engine's
 * page table and counters, the free runs, the annotation texts. Every call
 * validates its arguments, then takes the engine's futex-style Atomics lock
 * around its checks and changes (and around the byte copies of read, write and
 * fill, so no other worker unmaps under them); over a non-shared memory, which
 * no other thread can reach, the engine takes none. Backends in several workers
 * attached to one state (`{ memory, shared: { state } }`) over one shared
 * memory agree on every megablock (`threadSafe`). Another party growing the
 * memory between placing and claiming takes the place from under a call: the
 * claim sees the megablocks are no longer placeable and places again (16 times
 * at most, then ENOMEM). test/workers.test.ts checks it with 4 workers and a
 * fifth growing the memory; without the lock it fails within a second.
 *
 * Options rejected. (1) Shared state on structures of ghc's own (a table, an
 * attribute table and a lock of its own in a SharedArrayBuffer: built first,
 * commit 5d1566e, then replaced by the engine so that the lock, the zero marks
 * and the page sources exist once). (2) Free runs derived from the page table
 * by a scan instead of kept in the buffer: O(megablocks) per call, 65 536 of
 * them with 64 KiB megablocks and a 4 GiB maximum. (3) A free list per worker:
 * what one worker frees would be footprint the others cannot use. (4) Lock-free
 * claims (a compare-and-swap per megablock): coalescing runs and counters change
 * several words at once. One thread pays ~2× on a shared memory (bench/).
 */

import {
  type Capabilities,
  checkAnnotation,
  checkRange,
  checkSize,
  currentByteLength,
  isSharedMemory,
  type LinearMemory,
  type MadviseAdvice,
  type MappedRun,
  type MappingInfo,
  type MapsLine,
  MemoryBackend,
  MmapAnnotation,
  MmapProtection,
  MmapStrategy,
  type PageStateReporter,
  type PageStateRun,
  type RemapSource,
  remapFault,
} from "@osal/core";
import {
  AnnotationTable,
  encodeAttributes,
  LinearMemoryEngine,
  type SharedState,
} from "@osal/linear-memory";
import { ghcMegablockCapabilities, ghcMegablockSharedCapabilities } from "./capabilities.js";
import type { FreeRuns } from "./free-runs.js";
import { fixedMappingError, megablockBytes } from "./megablock-checks.js";
import { MegablockSpace } from "./megablock-space.js";
import type { MegablockTable } from "./megablock-table.js";
import { type GhcMegablockOptions, resolveOptions } from "./options.js";
import { megablockMapsLines } from "./process-maps.js";

/** The annotation `getMBlocks` gives its megablocks unless told otherwise. */
export const MBLOCK_ANNOTATION = MmapAnnotation.misc("megablocks");

/**
 * GHC's megablock allocator as an osal backend: the primitives of core's
 * `MemoryBackend` over a `WebAssembly.Memory` at megablock granularity, plus
 * GHC's own `getMBlocks`/`freeMBlocks`, and the host's process facts.
 */
export class GhcMegablock extends MemoryBackend implements PageStateReporter {
  /** The megablock size: every range is a whole number of megablocks. */
  readonly pageSize: number;
  /** The memory's maximum rounded down to a megablock: nothing is ever mapped past it. */
  readonly addressSpaceEnd: number;
  /** See {@link ghcMegablockCapabilities}; `threadSafe` on a shared memory. */
  readonly capabilities: Capabilities;
  /** The linear memory megablocks are grown from (index it directly if you must; the access API checks). */
  readonly memory: LinearMemory;

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
    this.measureLevels();
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
    this.recorder.begin("mmap");
    try {
      const size = megablockBytes("mmap", n, this.pageSize);
      checkSize("mmap", size, this);
      const checked = checkAnnotation("mmap", annotation, undefined, size);
      this.lock();
      try {
        return this.mapAnywhere(size, this.pageSize, MmapStrategy.DEFAULT, checked);
      } finally {
        this.unlock();
      }
    } catch (error) {
      throw this.recorder.fail("mmap", error);
    }
  }

  /**
   * GHC's `freeMBlocks`: returns `n` megablocks starting at `address` to the free
   * list (memory is never given back to the host). Like `munmap`, megablocks that
   * are not mapped are skipped. Counted as a `munmap` call.
   */
  freeMBlocks(address: number, n: number): void {
    this.recorder.begin("munmap");
    try {
      const size = megablockBytes("munmap", n, this.pageSize);
      checkRange("munmap", address, size, this);
      this.lock();
      try {
        this.space.release(address / this.pageSize, (address + size) / this.pageSize);
      } finally {
        this.unlock();
      }
    } catch (error) {
      throw this.recorder.fail("munmap", error);
    }
  }

  // ---- primitives of core's call path -----------------------------------------

  /** `ENOTSUP` (`EEXIST` came first from core for MAP_FIXED_NOREPLACE over a mapping): GHC's allocator picks addresses. */
  protected mapFixed(
    start: number,
    size: number,
    _strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): void {
    throw fixedMappingError(start, size, annotation);
  }

  /** First fit over the free runs, else growth; `ENOMEM` with nothing changed. */
  protected mapAnywhere(
    size: number,
    alignment: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): number {
    const attributes = encodeAttributes(strategy.prot, strategy.reserve, strategy.hugePage);
    const id = this.annotations.intern(annotation);
    const count = size / this.pageSize;
    return (
      this.space.mapAnywhere(count, alignment / this.pageSize, attributes, id, "mmap", annotation) *
      this.pageSize
    );
  }

  /** The hint, when its megablocks are free (or unclaimed past the frontier). */
  protected override mapAtHint(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): boolean {
    const attributes = encodeAttributes(strategy.prot, strategy.reserve, strategy.hugePage);
    const first = start / this.pageSize;
    const id = this.annotations.intern(annotation);
    return this.space.tryClaim(first, first + size / this.pageSize, attributes, id);
  }

  protected unmapRange(start: number, size: number): void {
    this.space.release(start / this.pageSize, (start + size) / this.pageSize);
  }

  /** The one mapping `[start, start + oldSize)` must be, else `EFAULT` (even to shrink). */
  protected remapSource(start: number, oldSize: number): RemapSource | undefined {
    const first = start / this.pageSize;
    const end = first + oldSize / this.pageSize;
    if (!this.table.isMapped(first)) return undefined;
    for (let i = first + 1; i < end; i++) {
      if (!this.table.isMapped(i) || !this.table.mappedAlike(first, i)) {
        throw remapFault(start, oldSize, true);
      }
    }
    return { end: start + oldSize, annotation: this.table.annotationOf(first) };
  }

  protected shrinkMapping(start: number, oldSize: number, newSize: number): void {
    this.space.release((start + newSize) / this.pageSize, (start + oldSize) / this.pageSize);
  }

  /** Only with mayMove (remapInPlace is false): in place when the next megablocks are free, else moved. */
  protected moveMapping(start: number, oldSize: number, newSize: number): number {
    const first = start / this.pageSize;
    const moved = this.space.remap(
      first,
      first + oldSize / this.pageSize,
      first + newSize / this.pageSize,
      true,
    );
    return moved * this.pageSize;
  }

  /** Opening a range zeroes its megablocks whose zeroing was deferred (Note [Lazy zeroing]). */
  protected protect(start: number, size: number, prot: MmapProtection): void {
    const first = start / this.pageSize;
    const end = first + size / this.pageSize;
    this.table.protect(first, end, prot);
    if (prot !== MmapProtection.NoAccess) this.engine.open(first, end);
  }

  /** `dontneed` zeroes accessible megablocks now and marks `NoAccess` ones; other advice does nothing. */
  protected advise(start: number, size: number, advice: MadviseAdvice): void {
    const first = start / this.pageSize;
    if (advice === "dontneed") this.engine.discard(first, first + size / this.pageSize);
  }

  protected rename(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    const first = start / this.pageSize;
    this.table.rename(first, first + size / this.pageSize, annotation);
  }

  protected *mappedRuns(start: number, end: number): Iterable<MappedRun> {
    const last = Math.min(Math.ceil(end / this.pageSize), this.table.count);
    let i = Math.floor(start / this.pageSize);
    while (i < last) {
      if (!this.table.isMapped(i)) {
        i++;
        continue;
      }
      const prot = this.table.protOf(i);
      let j = i + 1;
      while (j < last && this.table.isMapped(j) && this.table.protOf(j) === prot) j++;
      yield { start: i * this.pageSize, end: j * this.pageSize, prot };
      i = j;
    }
  }

  protected readBytes(address: number, length: number): Uint8Array {
    return this.space.bytes(address + length).slice(address, address + length);
  }

  protected writeBytes(address: number, bytes: Uint8Array): void {
    this.space.bytes(address + bytes.length).set(bytes, address);
  }

  protected fillBytes(address: number, length: number, value: number): void {
    this.space.bytes(address + length).fill(value, address, address + length);
  }

  /** The mappings, by address, adjacent megablocks mapped alike merged. */
  getMappings(): readonly MappingInfo[] {
    return this.locked(() => this.table.mappings(this.pageSize));
  }

  /** The memory's maximum in bytes: the most this backend could ever hold. */
  getSystemTotalMemory(): number {
    return this.maximumBytes;
  }

  /** Free megablocks as zeroed (never handed out) or dirty (reused), and memory not this backend's. */
  pageStates(): readonly PageStateRun[] {
    return this.locked(() => this.space.pageStates());
  }

  /** Its mappings and the memory that is not its own (`[heap]`), by address. */
  protected override mapsLines(): readonly MapsLine[] {
    return megablockMapsLines(
      this.getMappings(),
      this.locked(() => this.space.foreignRanges()),
    );
  }

  /** Takes the engine's state lock (none over a non-shared memory, which no other thread reaches). */
  protected override lock(): void {
    this.engine.lock();
  }

  /** Records the levels and releases the engine's state lock. */
  protected override unlock(): void {
    this.recordLevels();
    this.engine.unlock();
  }

  /** Levels, and the footprint: the memory's length (it never shrinks, so also its peak). */
  protected override measureLevels(): void {
    this.locked(() => undefined);
    this.recorder.setFootprint(currentByteLength(this.memory));
  }

  private recordLevels(): void {
    this.recorder.setMapped(this.table.mappedCount * this.pageSize);
    this.recorder.setCommitted(this.table.committedCount * this.pageSize);
  }
}

/**
 * Creates a ghc-megablock backend over `options.memory` (or a memory of its
 * own). Throws `EINVAL` for bad options and `ENOTSUP` for a shared memory.
 */
export function createGhcMegablock(options: GhcMegablockOptions = {}): GhcMegablock {
  return new GhcMegablock(options);
}
