/*
 * Note [posix_memalign backend]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * CoreCLR's wasm GC PAL (dotnet/runtime#127328) gave up on Emscripten's `mmap` and
 * took memory from `posix_memalign`/`free`: reserve == commit, 16 KiB pages,
 * decommit = zero, and no zeroing of memory above the `sbrk(0)` break before the
 * call. Its review raised two points: the restricted physical memory limit is a
 * container's limit and does not apply to wasm (this backend reports the
 * memory's maximum as the total, `getSystemTotalMemory`, and no restricted
 * limit), and committing memory that is already committed must keep its
 * contents, where the PAL guessed "was this decommitted?" from the first byte of
 * the range and zeroed live data. Here every such fact is tracked out of band,
 * never guessed from the bytes; the break rule is kept, where the guest exports
 * `sbrk` (see Note [fresh memory boundary] in block-allocation.ts).
 *
 * Data structures. Every `dzmmapAnywhere` (and every moving `mremap`) is one
 * block from the allocator (`alignedAlloc(align, size)`, or a fallback when it
 * refuses: Note [posix_memalign fallbacks] in block-allocation.ts), a `Block` in
 * a `BlockTable` (sorted, binary-searched); slack a fallback leaves around the
 * mapping stays in the block as unmapped pages. A block has one attribute id per page
 * (0 = unmapped; ids intern prot/reserve/hugePage/annotation in an
 * `AttributeTable`) and one pending-zero flag per page. Nothing is reserved
 * without being allocated: a `NoAccess` or `reserve: false` mapping takes its
 * full size from the allocator (`reservesWithoutCommit` false).
 *
 * Fixed mappings. The allocator chooses addresses, so `MAP_FIXED` (`replace`)
 * works exactly where it can be honoured: over pages of blocks this backend
 * already holds (mapped, or unmapped but still held), which it re-maps with the
 * new attributes and zeroes. `MAP_FIXED_NOREPLACE` is honoured there too: over a
 * mapped page it fails with `EEXIST` (as Linux does), over held pages none of
 * which is mapped (MMTk's side metadata, mapped page by page into a quarantine a
 * partial `munmap` left held) it maps them. Anywhere else both fail with `ENOTSUP`
 * before anything changes (`fixed` and `noReplace` stay false: they do not work
 * at any address).
 *
 * Partial unmap. `munmap` of a whole block frees it. Part of a block: with an
 * allocator that can `release` (the bundled one) the pages go back to it at once
 * and the block record splits; otherwise the pages are marked unmapped (the access
 * API refuses them, `getMappings` omits them) and the block is freed exactly once,
 * when its last page is unmapped. `mremap` shrinks by that tail unmap, moves (new
 * block, copy, unmap the old range) with `mayMove`, and never grows in place
 * (`ENOMEM`, `remapInPlace` false).
 *
 * Zeroing. A new block is zeroed except where the bytes are provably zero:
 *   - bytes at or above the allocator's program break before the `alignedAlloc`
 *     call (CoreCLR's rule, when it reports one: a guest exporting `sbrk`), or
 *     else at or above the memory's size before the call, which was grown during
 *     it by `memory.grow` (zero by the wasm spec); the allocator writes nothing
 *     inside a block it returns (its contract);
 *   - with a `pristineUntilHandedOut` allocator (bookkeeping out of band, no other
 *     users: the bundled one), also every page it has never returned to this
 *     backend before, tracked exactly, one bit per page (`HandedOutPages`).
 * Everything else has been handed out before and is zeroed: recycled memory is
 * never assumed pristine. (A guest's dlmalloc writes chunk headers,
 * free-list links and top-chunk footers into memory it has not handed out, and the
 * guest's own mallocs recycle memory the backend never saw: hence only memory
 * above the break, or grown during the call, counts for such allocators.) `madvise(dontneed)`, a fresh mapping and a
 * `MAP_FIXED` re-map zero accessible pages at once, since a guest may load from
 * them directly; on `NoAccess` pages they only set the pending-zero flag, and the
 * page is zeroed when `setMemoryAccess` makes it accessible again. So a
 * decommit (re-map `NoAccess`) followed by a commit (`mprotect` read-write) zeroes
 * once, and a commit of pages that were never decommitted keeps their bytes.
 * `stats().zeroedBytes` counts exactly the bytes written.
 *
 * Memory source. The allocator's memory; `footprintBytes` is its
 * `buffer.byteLength` and `addressSpaceEnd` its maximum. Freed blocks go back to
 * the allocator, not to the host (linear memory cannot shrink).
 *
 * memory64. Addresses and sizes are JS numbers below 2^53 throughout, so the
 * block table, zeroing and copying work unchanged past 4 GiB; only the
 * allocator's calls change. A wasm64 guest's `aligned_alloc`/`free`/`sbrk` speak
 * i64 (BigInt): `guestAllocator` converts both ways (guest-calls.ts) and lifts the
 * 4 GiB cap for memory64 only. The bundled allocator stays wasm32 (it cannot
 * import a memory64 memory): a maximum above 4 GiB with it is `ENOTSUP`. Rejected:
 * building a second, wasm64 bundled allocator, which would double the embedded
 * module for a case a wasm64 program's own allocator serves.
 *
 * Locking. None in the backend: `capabilities.threadSafe` is exactly the
 * allocator's `threadSafe`. The bundled allocator is single-threaded, a guest's
 * is thread-safe when the guest was built with threads and the caller says so
 * (`guestAllocator({ threadSafe: true })`); a shared memory with any other
 * allocator is refused with `SharedMemoryError`. With a thread-safe allocator,
 * one backend instance per thread (worker) shares the heap: the allocator never
 * hands two of them the same block, and each instance owns the mappings it made
 * (its block table is its own, so another thread's instance neither sees nor
 * unmaps them). Since other threads grow and write the heap meanwhile, no memory
 * is proved zero there: every block is zeroed (`trustFreshMemory` is off).
 * Protection is recorded and checked by the access API (`read`/`write`/`fill`
 * throw `MemoryFault` on unmapped and `NoAccess` pages), not enforced on direct
 * loads and stores (`enforcesProtection` false).
 */

import {
  type Capabilities,
  HugePageSupport,
  type MadviseAdvice,
  type MappedRun,
  type MappingInfo,
  MemoryBackend,
  type MmapAnnotation,
  MmapError,
  type MmapProtection,
  type MmapStrategy,
  type RemapSource,
} from "@osal/core";
import type { AlignedAllocator } from "./aligned-allocator.js";
import { FreshMemoryBoundary } from "./block-allocation.js";
import { BlockSpace } from "./block-space.js";
import { BlockTable } from "./block-table.js";
import { HandedOutPages } from "./handed-out-pages.js";
import { resolveOptions, type WasmPosixMemalignOptions } from "./options.js";

/**
 * Creates a CoreCLR-style osal backend: memory from an aligned allocator (the
 * bundled one by default, or a guest's `aligned_alloc`/`free`), reserve == commit,
 * 16 KiB pages, exact zero tracking. See Note [posix_memalign backend].
 * Throws `MmapError` `EINVAL` on bad options, `ENOTSUP` for a maximum above
 * 4 GiB with the bundled allocator (memory64 needs a guest allocator built for
 * wasm64) and `SharedMemoryError` for a shared memory.
 */
export function createWasmPosixMemalign(options: WasmPosixMemalignOptions = {}): WasmPosixMemalign {
  return new WasmPosixMemalign(options);
}

/**
 * The backend object (memory and process in one, an `OperatingSystem`), on
 * core's shared call path (`MemoryBackend`). Create it with
 * {@link createWasmPosixMemalign}.
 */
export class WasmPosixMemalign extends MemoryBackend {
  /** Page size in bytes (16 KiB by default). */
  readonly pageSize: number;
  /** The allocator memory's maximum: nothing is ever mapped at or above it. */
  readonly addressSpaceEnd: number;
  /** What this backend does; see Note [posix_memalign backend]. */
  readonly capabilities: Capabilities;
  /** The allocator memory comes from. */
  readonly allocator: AlignedAllocator;

  private readonly space: BlockSpace;

  constructor(options: WasmPosixMemalignOptions = {}) {
    super();
    const resolved = resolveOptions(options);
    this.allocator = resolved.allocator;
    this.pageSize = resolved.pageSize;
    this.addressSpaceEnd = this.allocator.maximumBytes;
    this.capabilities = Object.freeze({
      fixed: false,
      noReplace: false,
      partialUnmap: true,
      remapInPlace: false,
      enforcesProtection: false,
      reservesWithoutCommit: false,
      returnsMemoryToHost: false,
      threadSafe: this.allocator.threadSafe === true,
      uninitialized: false,
      remapAcrossMappings: false,
      remapDontUnmap: false,
      remapFixed: false,
      setAnnotation: true,
    });
    const granule = this.allocator.releaseGranule ?? 0;
    const canRelease =
      this.allocator.release !== undefined && granule > 0 && this.pageSize % granule === 0;
    const context = {
      allocator: this.allocator,
      pageSize: this.pageSize,
      addressSpaceEnd: this.addressSpaceEnd,
      trustFreshMemory: resolved.trustFreshMemory,
      handedOut: this.allocator.pristineUntilHandedOut
        ? new HandedOutPages(this.pageSize, this.addressSpaceEnd)
        : undefined,
      blocks: new BlockTable(),
      freshness: new FreshMemoryBoundary(this.allocator),
    };
    this.space = new BlockSpace(context, this.recorder, resolved.largeAlignment, canRelease);
    this.refreshLevels();
  }

  /**
   * `MAP_FIXED` re-map of `[start, start + size)`, which must lie in blocks this
   * backend holds: the pages get the new attributes and read as zero (core has
   * refused `MAP_FIXED_NOREPLACE` over mapped pages with `EEXIST`; held pages
   * none of which is mapped are mapped). Anywhere else fails with `ENOTSUP`,
   * changing nothing.
   */
  protected mapFixed(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): void {
    if (!this.space.holds(start, start + size)) {
      throw new MmapError({
        code: "ENOTSUP",
        syscall: "mmap",
        address: start,
        size,
        annotation,
        detail: `${strategy.replace ? "MAP_FIXED" : "MAP_FIXED_NOREPLACE"} only maps memory this backend already holds; elsewhere the allocator chooses addresses`,
      });
    }
    this.space.remapHeld(start, start + size, this.space.idOf(strategy, annotation));
    this.refreshLevels();
  }

  /**
   * Maps `size` bytes wherever the allocator puts them, aligned to `align` (at
   * least `largeAlignment`, 2 MiB by default, for sizes that large). `ENOMEM`
   * when the allocator returns 0, with nothing changed. The allocator chooses
   * addresses, so `dzmmapPreferred`'s hint is never used (`mapAtHint` default).
   */
  protected mapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): number {
    const id = this.space.idOf(strategy, annotation);
    const address = this.space.mapNew(size, align, id, annotation);
    this.refreshLevels();
    return address;
  }

  /**
   * Whole blocks are freed; parts of blocks are released to the allocator when
   * it can, otherwise tracked until the block's last page goes. Each block is
   * freed exactly once.
   */
  protected unmapRange(start: number, size: number): void {
    this.space.unmap(start, start + size);
    this.refreshLevels();
  }

  /** The old range must be mapped pages of one mapping (`EFAULT` otherwise), even to shrink. */
  protected remapSource(start: number, oldSize: number): RemapSource {
    const parts = this.space.oneMapping(start, start + oldSize);
    const first = parts[0]!;
    const id = first.attributes[first.pageOf(start)]!;
    return { end: start + oldSize, annotation: this.space.attributes.get(id).annotation };
  }

  protected shrinkMapping(start: number, oldSize: number, newSize: number): void {
    this.space.unmap(start + newSize, start + oldSize);
    this.refreshLevels();
  }

  /** Moves (new block, copy, unmap the old range): one mapping may lie over several blocks. */
  protected moveMapping(start: number, oldSize: number, newSize: number): number {
    const parts = this.space.oneMapping(start, start + oldSize);
    const moved = this.space.move(parts, start, oldSize, newSize);
    this.refreshLevels();
    return moved;
  }

  /**
   * Pages made accessible that wait to be zeroed are zeroed now; pages that were
   * accessible keep their bytes.
   */
  protected protect(start: number, size: number, prot: MmapProtection): void {
    const attributes = this.space.attributes;
    this.space.forEachPage(start, size, (block, index) => {
      const id = attributes.with(block.attributes[index]!, { prot });
      const pending = block.pendingZero[index] === 1;
      const accessible = attributes.accessible(id);
      if (pending && accessible) this.space.zeroPage(block, index);
      block.map(index, id, pending && !accessible);
    });
    this.refreshLevels();
  }

  /**
   * `dontneed` zeroes accessible pages now and `NoAccess` pages when they become
   * accessible; `hugepage`/`nohugepage` record the hint; the rest are accepted hints.
   */
  protected advise(start: number, size: number, advice: MadviseAdvice): void {
    const attributes = this.space.attributes;
    if (advice === "dontneed") {
      this.space.forEachPage(start, size, (block, index) => {
        const id = block.attributes[index]!;
        if (attributes.accessible(id)) this.space.zeroPage(block, index);
        else block.map(index, id, true);
      });
    } else if (advice === "hugepage" || advice === "nohugepage") {
      const hugePage =
        advice === "hugepage" ? HugePageSupport.TransparentHugePages : HugePageSupport.No;
      this.space.forEachPage(start, size, (block, index) => {
        const id = attributes.with(block.attributes[index]!, { hugePage });
        block.map(index, id, block.pendingZero[index] === 1);
      });
    }
    this.refreshLevels();
  }

  /** Renames every page of the range (`PR_SET_VMA_ANON_NAME`). */
  protected rename(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    this.space.forEachPage(start, size, (block, index) => {
      const id = this.space.attributes.with(block.attributes[index]!, { annotation });
      block.map(index, id, block.pendingZero[index] === 1);
    });
  }

  protected mappedRuns(start: number, end: number): Iterable<MappedRun> {
    return this.space.runs(start, end);
  }

  /** The allocator memory's maximum in bytes: the most this backend can ever hold. */
  getSystemTotalMemory(): number {
    return this.allocator.maximumBytes;
  }

  /** Mapped pages, in address order, maximal runs of equal attributes merged. */
  getMappings(): readonly MappingInfo[] {
    return this.space.listing();
  }

  /** The allocator may have grown the memory during a call that then failed. */
  protected override measureLevels(): void {
    this.refreshLevels();
  }

  protected readBytes(address: number, length: number): Uint8Array {
    return this.space.bytes().slice(address, address + length);
  }

  protected writeBytes(address: number, bytes: Uint8Array): void {
    this.space.bytes().set(bytes, address);
  }

  protected fillBytes(address: number, length: number, value: number): void {
    this.space.bytes().fill(value, address, address + length);
  }

  private refreshLevels(): void {
    const mapped = this.space.mappedPages * this.pageSize;
    this.recorder.setMapped(mapped);
    this.recorder.setCommitted(mapped);
    this.recorder.setFootprint(this.allocator.memory.buffer.byteLength);
  }
}
