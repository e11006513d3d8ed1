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
 * Locking. None. The backend and the allocators it drives are single-threaded: a
 * shared memory is refused with `SharedMemoryError` (`threadSafe` false).
 * Protection is recorded and checked by the access API (`read`/`write`/`fill`
 * throw `MemoryFault` on unmapped and `NoAccess` pages), not enforced on direct
 * loads and stores (`enforcesProtection` false).
 */

import {
  type Capabilities,
  checkAlign,
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
  checkSize,
  checkStrategy,
  checkWriteArguments,
  formatProcMaps,
  HostProcess,
  HugePageSupport,
  hasErrorCode,
  type MadviseAdvice,
  type MappingInfo,
  MemoryFault,
  type MemoryStats,
  type MmapAnnotation,
  MmapError,
  type MmapProtection,
  type MmapStrategy,
  type MremapOptions,
  type OperatingSystem,
  StatsRecorder,
} from "@osal/core";
import type { AlignedAllocator } from "./aligned-allocator.js";
import type { Block } from "./block.js";
import {
  type Allocation,
  type AllocationContext,
  allocateBlock,
  FreshMemoryBoundary,
} from "./block-allocation.js";
import { BlockTable } from "./block-table.js";
import { HandedOutPages } from "./handed-out-pages.js";
import { resolveOptions, type WasmPosixMemalignOptions } from "./options.js";
import { AttributeTable, UNMAPPED } from "./page-attributes.js";

/**
 * Creates a CoreCLR-style osal backend: memory from an aligned allocator (the
 * bundled one by default, or a guest's `aligned_alloc`/`free`), reserve == commit,
 * 16 KiB pages, exact zero tracking. See Note [posix_memalign backend].
 * Throws `EINVAL` on bad options and `SharedMemoryError` for a shared memory.
 */
export function createWasmPosixMemalign(options: WasmPosixMemalignOptions = {}): WasmPosixMemalign {
  return new WasmPosixMemalign(options);
}

/**
 * The backend object (memory and process in one, an {@link OperatingSystem}).
 * Create it with {@link createWasmPosixMemalign}.
 */
export class WasmPosixMemalign extends HostProcess implements OperatingSystem {
  /** Page size in bytes (16 KiB by default). */
  readonly pageSize: number;
  /** The allocator memory's maximum: nothing is ever mapped at or above it. */
  readonly addressSpaceEnd: number;
  /** What this backend does; see Note [posix_memalign backend]. */
  readonly capabilities: Capabilities = Object.freeze({
    fixed: false,
    noReplace: false,
    partialUnmap: true,
    remapInPlace: false,
    enforcesProtection: false,
    reservesWithoutCommit: false,
    returnsMemoryToHost: false,
    threadSafe: false,
    uninitialized: false,
    remapAcrossMappings: false,
    remapDontUnmap: false,
    remapFixed: false,
    setAnnotation: true,
  });
  /** The allocator memory comes from. */
  readonly allocator: AlignedAllocator;

  private readonly largeAlignment: number;
  private readonly canRelease: boolean;
  private readonly blocks = new BlockTable();
  private readonly attributes = new AttributeTable();
  private readonly recorder = new StatsRecorder();
  private mappedPages = 0;
  /** What `allocateBlock` works with (pages handed out, the fresh-memory boundary). */
  private readonly allocation: AllocationContext;

  constructor(options: WasmPosixMemalignOptions = {}) {
    super();
    const resolved = resolveOptions(options);
    this.allocator = resolved.allocator;
    this.pageSize = resolved.pageSize;
    this.largeAlignment = resolved.largeAlignment;
    this.addressSpaceEnd = this.allocator.maximumBytes;
    const granule = this.allocator.releaseGranule ?? 0;
    this.canRelease =
      this.allocator.release !== undefined && granule > 0 && this.pageSize % granule === 0;
    this.allocation = {
      allocator: this.allocator,
      pageSize: this.pageSize,
      addressSpaceEnd: this.addressSpaceEnd,
      trustFreshMemory: resolved.trustFreshMemory,
      handedOut: this.allocator.pristineUntilHandedOut
        ? new HandedOutPages(this.pageSize, this.addressSpaceEnd)
        : undefined,
      blocks: this.blocks,
      freshness: new FreshMemoryBoundary(this.allocator),
    };
    this.refreshLevels();
  }

  /**
   * `MAP_FIXED` re-map of `[start, start + size)`, which must lie in blocks this
   * backend holds: the pages get the new attributes and read as zero. With
   * `replace: false` (`MAP_FIXED_NOREPLACE`) a range with any mapped page fails with
   * `EEXIST`, and held pages none of which is mapped (left by a partial `munmap`)
   * are mapped. Anywhere else fails with `ENOTSUP`, changing nothing.
   */
  dzmmap(start: number, size: number, strategy: MmapStrategy, annotation?: MmapAnnotation): void {
    this.recorder.track("mmap", () => {
      ({ strategy, annotation } = checkDzmmapArguments(this, start, size, strategy, annotation));
      const end = start + size;
      if (!strategy.replace && this.anyMapped(start, end)) {
        throw new MmapError({
          code: "EEXIST",
          syscall: "mmap",
          address: start,
          size,
          annotation,
          detail: "MAP_FIXED_NOREPLACE over a mapping",
        });
      }
      if (!this.blocks.covers(start, end)) {
        throw new MmapError({
          code: "ENOTSUP",
          syscall: "mmap",
          address: start,
          size,
          annotation,
          detail: `${strategy.replace ? "MAP_FIXED" : "MAP_FIXED_NOREPLACE"} only maps memory this backend already holds; elsewhere the allocator chooses addresses`,
        });
      }
      const id = this.attributes.idOf(attributesOf(strategy, annotation));
      const accessible = this.attributes.accessible(id);
      for (const block of this.blocks.overlapping(start, end)) {
        const from = Math.max(start, block.start);
        const to = Math.min(end, block.end);
        if (accessible) this.zero(from, to);
        const before = block.mappedPages;
        for (let index = block.pageOf(from); index < block.pageOf(to - 1) + 1; index++) {
          block.map(index, id, !accessible);
        }
        this.mappedPages += block.mappedPages - before;
      }
      this.refreshLevels();
    });
  }

  /**
   * Maps `size` bytes wherever the allocator puts them, aligned to `align` (at least
   * a page; at least `largeAlignment`, 2 MiB by default, for sizes that large).
   * `ENOMEM` when the allocator returns 0, with nothing changed.
   */
  dzmmapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number {
    return this.recorder.track("mmap", () => {
      const checked = checkDzmmapAnywhereArguments(this, size, align, strategy, annotation);
      return this.mapAnywhere(size, checked.align, checked.strategy, checked.annotation);
    });
  }

  /**
   * Like {@link WasmPosixMemalign.dzmmapAnywhere}: the allocator chooses addresses,
   * so the hint range (validated like any range) is not used.
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
      return this.mapAnywhere(size, checked.align, checked.strategy, checked.annotation);
    });
  }

  /**
   * Unmaps every page of the range that is mapped. Whole blocks are freed; parts of
   * blocks are released to the allocator when it can, otherwise tracked until the
   * block's last page goes. Each block is freed exactly once.
   */
  munmap(start: number, size: number): void {
    this.recorder.track("munmap", () => {
      checkMunmapArguments(this, start, size);
      const end = start + size;
      for (const block of this.blocks.overlapping(start, end)) {
        this.unmapPart(block, Math.max(start, block.start), Math.min(end, block.end));
      }
      this.refreshLevels();
    });
  }

  /**
   * Linux `mremap` of a range inside one mapping (mapped pages of one block with
   * the same attributes; `EFAULT` otherwise): same size returns it,
   * shrinking unmaps the tail, growing moves (copy, then unmap the old range) with
   * `mayMove` and otherwise fails with `ENOMEM` (no growth in place).
   */
  mremap(start: number, oldSize: number, newSize: number, given?: MremapOptions): number {
    return this.recorder.track("mremap", () => {
      const options = checkMremapArguments(this, start, oldSize, newSize, given);
      // One mapping may lie over several blocks (a MAP_FIXED across two of them).
      const parts = this.oneMappingParts(start, start + oldSize);
      if (parts === undefined) {
        throw new MmapError({
          code: "EFAULT",
          syscall: "mremap",
          address: start,
          size: oldSize,
          detail: "the old range is not mapped pages of one mapping",
        });
      }
      const block = parts[0]!;
      const first = block.pageOf(start);
      const count = oldSize / this.pageSize;
      if (newSize === oldSize) return start;
      if (newSize < oldSize) {
        for (const part of parts) {
          const from = Math.max(part.start, start + newSize);
          const to = Math.min(part.end, start + oldSize);
          if (from < to) this.unmapPart(part, from, to);
        }
        this.refreshLevels();
        return start;
      }
      if (options.mayMove !== true) {
        throw new MmapError({
          code: "ENOMEM",
          syscall: "mremap",
          address: start,
          size: newSize,
          detail: "cannot grow in place (capabilities.remapInPlace false); pass mayMove",
        });
      }
      const moved =
        parts.length === 1
          ? this.moveTo(block, first, count, newSize)
          : this.moveAcross(parts, start, oldSize, newSize);
      this.refreshLevels();
      return moved;
    });
  }

  /**
   * `mprotect`: every page of the range must be mapped (`ENOMEM` otherwise, nothing
   * changed). Pages made accessible that wait to be zeroed are zeroed now; pages
   * that were accessible keep their bytes.
   */
  setMemoryAccess(start: number, size: number, prot: MmapProtection): void {
    this.recorder.track("mprotect", () => {
      checkMprotectArguments(this, start, size, prot);
      this.requireMapped("mprotect", start, size);
      this.forEachPage(start, size, (block, index) => {
        const id = this.attributes.with(block.attributes[index]!, { prot });
        const pending = block.pendingZero[index] === 1;
        const accessible = this.attributes.accessible(id);
        if (pending && accessible) this.zeroPage(block, index);
        block.map(index, id, pending && !accessible);
      });
      this.refreshLevels();
    });
  }

  /**
   * `madvise`: every page must be mapped (`ENOMEM` otherwise). `dontneed` zeroes
   * accessible pages now and `NoAccess` pages when they become accessible;
   * `hugepage`/`nohugepage` record the hint; the rest are accepted hints.
   */
  madvise(start: number, size: number, advice: MadviseAdvice): void {
    this.recorder.track("madvise", () => {
      checkMadviseArguments(this, start, size, advice);
      this.requireMapped("madvise", start, size);
      if (advice === "dontneed") {
        this.forEachPage(start, size, (block, index) => {
          const id = block.attributes[index]!;
          if (this.attributes.accessible(id)) this.zeroPage(block, index);
          else block.map(index, id, true);
        });
      } else if (advice === "hugepage" || advice === "nohugepage") {
        const hugePage =
          advice === "hugepage" ? HugePageSupport.TransparentHugePages : HugePageSupport.No;
        this.forEachPage(start, size, (block, index) => {
          const id = this.attributes.with(block.attributes[index]!, { hugePage });
          block.map(index, id, block.pendingZero[index] === 1);
        });
      }
      this.refreshLevels();
    });
  }

  /** Throws `EFAULT` unless every page of the range is mapped. */

  /**
   * Renames every page of the range (`PR_SET_VMA_ANON_NAME`); `ENOMEM`, nothing
   * renamed, if any page is unmapped.
   */
  setAnnotation(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    annotation = checkSetAnnotationArguments(this, start, size, annotation);
    this.requireMapped("prctl", start, size);
    this.forEachPage(start, size, (block, index) => {
      const id = this.attributes.with(block.attributes[index]!, { annotation });
      block.map(index, id, block.pendingZero[index] === 1);
    });
  }

  panicIfUnmapped(start: number, size: number): void {
    checkPanicArguments(this, start, size);
    if (!this.isMapped(start, size)) {
      throw new MmapError({
        code: "EFAULT",
        syscall: "mmap",
        address: start,
        size,
        detail: "range is not entirely mapped",
      });
    }
  }

  /** True for this backend's out-of-memory errors: `MmapError` with `ENOMEM`. */
  isMmapOom(error: unknown): boolean {
    return error instanceof MmapError && hasErrorCode(error, "ENOMEM");
  }

  /** The allocator memory's maximum in bytes: the most this backend can ever hold. */
  getSystemTotalMemory(): number {
    return this.allocator.maximumBytes;
  }

  /** Mapped pages, in address order, maximal runs of equal attributes merged. */
  getMappings(): readonly MappingInfo[] {
    const out: MappingInfo[] = [];
    let run: { start: number; end: number; id: number } | undefined;
    const flush = () => {
      if (run === undefined) return;
      const attributes = this.attributes.get(run.id);
      out.push(
        Object.freeze({
          start: run.start,
          end: run.end,
          prot: attributes.prot,
          reserve: attributes.reserve,
          hugePage: attributes.hugePage,
          annotation: attributes.annotation,
        }),
      );
      run = undefined;
    };
    for (const block of this.blocks.all()) {
      for (let index = 0; index < block.pages; index++) {
        const id = block.attributes[index]!;
        const address = block.addressOf(index);
        if (id === UNMAPPED) {
          flush();
        } else if (run !== undefined && run.id === id && run.end === address) {
          run.end = address + this.pageSize;
        } else {
          flush();
          run = { start: address, end: address + this.pageSize, id };
        }
      }
    }
    flush();
    return out;
  }

  /** The mappings as `/proc/self/maps` text, annotations as `[anon:…]`. */
  getProcessMemoryMaps(): string {
    return formatProcMaps(
      this.getMappings().map((mapping) => ({
        start: mapping.start,
        end: mapping.end,
        prot: mapping.prot,
        annotation: mapping.annotation,
      })),
    );
  }

  /** Counts, levels (`footprintBytes` is the memory's byte length) and exact zeroed bytes. */
  stats(): MemoryStats {
    // The allocator may have grown the memory during a call that then failed.
    this.refreshLevels();
    return this.recorder.snapshot();
  }

  /** A copy of `length` bytes at `address`; `MemoryFault` on unmapped or `NoAccess` pages. */
  read(address: number, length: number): Uint8Array {
    checkReadArguments(address, length);
    this.requireAccessible("read", address, length);
    return this.bytes().slice(address, address + length);
  }

  /** Copies `bytes` to `address`; `MemoryFault` (nothing written) on unmapped or `NoAccess` pages. */
  write(address: number, bytes: Uint8Array): void {
    checkWriteArguments(address, bytes);
    this.requireAccessible("write", address, bytes.length);
    // Nothing to write: valid even past the end of the current memory.
    if (bytes.length > 0) this.bytes().set(bytes, address);
  }

  /** Sets `length` bytes at `address` to `value`; `MemoryFault` (nothing written) as `write`. */
  fill(address: number, length: number, value: number): void {
    checkFillArguments(address, length, value);
    this.requireAccessible("fill", address, length);
    this.bytes().fill(value, address, address + length);
  }

  private mapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): number {
    checkSize("mmap", size, this, undefined, annotation);
    const alignment = checkAlign("mmap", align, this, size, annotation);
    checkStrategy("mmap", strategy, undefined, size, annotation);
    const id = this.attributes.idOf(attributesOf(strategy, annotation));
    const { block, first, count, dirty } = this.allocate(size, alignment, "mmap", annotation);
    this.mapFresh(block, first, first + count, id, dirty);
    this.blocks.insert(block);
    this.mappedPages += block.mappedPages;
    this.refreshLevels();
    return block.addressOf(first);
  }

  /** One block from the allocator, with the fallbacks of Note [posix_memalign fallbacks]. */
  private allocate(
    size: number,
    align: number,
    call: "mmap" | "mremap",
    annotation?: MmapAnnotation,
  ): Allocation {
    const preferred = size >= this.largeAlignment ? Math.max(align, this.largeAlignment) : align;
    return allocateBlock(this.allocation, size, align, preferred, call, annotation);
  }

  /**
   * Maps pages `[from, to)` of a block fresh from the allocator with attribute `id`:
   * the parts of them in `dirty` are zeroed now if accessible, or their pages marked
   * pending-zero if not.
   */
  private mapFresh(
    block: Block,
    from: number,
    to: number,
    id: number,
    dirty: readonly (readonly [number, number])[],
  ): void {
    const accessible = this.attributes.accessible(id);
    const start = block.addressOf(from);
    const end = block.addressOf(to);
    for (let index = from; index < to; index++) block.map(index, id, false);
    for (const [dirtyStart, dirtyEnd] of dirty) {
      const zeroFrom = Math.max(start, dirtyStart);
      const zeroTo = Math.min(end, dirtyEnd);
      if (zeroFrom >= zeroTo) continue;
      if (accessible) {
        this.zero(zeroFrom, zeroTo);
      } else {
        for (let index = block.pageOf(zeroFrom); index <= block.pageOf(zeroTo - 1); index++) {
          block.map(index, id, true);
        }
      }
    }
  }

  /** The moving half of `mremap`: returns the new address. */
  private moveTo(block: Block, first: number, count: number, newSize: number): number {
    const oldStart = block.addressOf(first);
    const oldSize = count * this.pageSize;
    const fresh = this.allocate(newSize, this.pageSize, "mremap");
    const moved = fresh.block;
    const newStart = moved.addressOf(fresh.first);
    this.bytes().copyWithin(newStart, oldStart, oldStart + oldSize);
    for (let index = 0; index < count; index++) {
      const from = first + index;
      moved.map(fresh.first + index, block.attributes[from]!, block.pendingZero[from] === 1);
    }
    const lastId = block.attributes[first + count - 1]!;
    this.mapFresh(moved, fresh.first + count, fresh.first + fresh.count, lastId, fresh.dirty);
    this.blocks.insert(moved);
    this.mappedPages += moved.mappedPages;
    this.unmapPart(block, oldStart, oldStart + oldSize);
    return newStart;
  }

  /**
   * The blocks holding `[start, end)` when every page of it is mapped with one
   * attribute id (one mapping, as Linux and `getMappings` see it), else `undefined`.
   */
  private oneMappingParts(start: number, end: number): Block[] | undefined {
    if (!this.blocks.covers(start, end)) return undefined;
    const parts = this.blocks.overlapping(start, end);
    const id = parts[0]?.attributes[parts[0].pageOf(start)];
    for (const part of parts) {
      const from = part.pageOf(Math.max(start, part.start));
      const to = part.pageOf(Math.min(end, part.end) - 1) + 1;
      if (!part.isOneMapping(from, to) || part.attributes[from] !== id) return undefined;
    }
    return parts;
  }

  /**
   * A moving `mremap` of one mapping held in several blocks: the part in the
   * first block moves as usual (new block, rest mapped fresh), then the bytes
   * and pending-zero flags of the other parts follow and those parts are unmapped.
   */
  private moveAcross(parts: Block[], start: number, oldSize: number, newSize: number): number {
    const p = this.pageSize;
    const head = parts[0]!;
    const headCount = (Math.min(head.end, start + oldSize) - start) / p;
    const target = this.moveTo(head, head.pageOf(start), headCount, newSize);
    const moved = this.blocks.at(target)!;
    const movedFirst = moved.pageOf(target);
    const bytes = this.bytes();
    for (const part of parts.slice(1)) {
      const from = part.start;
      const to = Math.min(part.end, start + oldSize);
      bytes.copyWithin(target + (from - start), from, to);
      for (let address = from; address < to; address += p) {
        const index = part.pageOf(address);
        const pending = part.pendingZero[index] === 1;
        moved.map(movedFirst + (address - start) / p, part.attributes[index]!, pending);
      }
      this.unmapPart(part, from, to);
    }
    return target;
  }

  /** Unmaps `[from, to)`, a page range inside `block`; frees or releases what it can. */
  private unmapPart(block: Block, from: number, to: number): void {
    if (from === block.start && to === block.end) {
      this.release(block);
      return;
    }
    const first = block.pageOf(from);
    const last = block.pageOf(to - 1) + 1;
    const before = block.mappedPages;
    for (let index = first; index < last; index++) block.unmap(index);
    this.mappedPages += block.mappedPages - before;
    if (block.mappedPages === 0) {
      this.release(block);
    } else if (this.canRelease && this.allocator.release!(from, to - from)) {
      const parts: Block[] = [];
      if (first > 0) parts.push(block.slice(0, first));
      if (last < block.pages) parts.push(block.slice(last, block.pages));
      const kept = parts.filter((part) => part.mappedPages > 0);
      this.blocks.replace(block, kept);
      for (const part of parts) if (part.mappedPages === 0) this.allocator.free(part.start);
    }
  }

  /** Frees a whole block and forgets it. */
  private release(block: Block): void {
    this.mappedPages -= block.mappedPages;
    this.blocks.remove(block);
    this.allocator.free(block.start);
  }

  /** Throws `ENOMEM` (Linux's code for `mprotect`/`madvise` on a hole) unless all mapped. */
  private requireMapped(call: "mprotect" | "madvise" | "prctl", start: number, size: number): void {
    if (!this.isMapped(start, size)) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: call,
        address: start,
        size,
        detail: "range is not entirely mapped",
      });
    }
  }

  /** True when some page of `[start, end)` is mapped. */
  private anyMapped(start: number, end: number): boolean {
    for (const block of this.blocks.overlapping(start, end)) {
      const from = block.pageOf(Math.max(start, block.start));
      const to = block.pageOf(Math.min(end, block.end) - 1) + 1;
      for (let index = from; index < to; index++) {
        if (block.attributes[index] !== UNMAPPED) return true;
      }
    }
    return false;
  }

  private isMapped(start: number, size: number): boolean {
    const end = start + size;
    if (!this.blocks.covers(start, end)) return false;
    for (const block of this.blocks.overlapping(start, end)) {
      const from = block.pageOf(Math.max(start, block.start));
      const to = block.pageOf(Math.min(end, block.end) - 1) + 1;
      if (!block.allMapped(from, to)) return false;
    }
    return true;
  }

  /** Throws `MemoryFault` at the first byte of the range on an unmapped or `NoAccess` page. */
  private requireAccessible(
    call: "read" | "write" | "fill",
    address: number,
    length: number,
  ): void {
    const end = address + length;
    let at = address;
    while (at < end) {
      const block = this.blocks.at(at);
      if (block === undefined) {
        throw new MemoryFault({
          syscall: call,
          address,
          size: length,
          faultAddress: at,
          reason: "unmapped",
        });
      }
      while (at < end && at < block.end) {
        const id = block.attributes[block.pageOf(at)]!;
        if (!this.attributes.accessible(id)) {
          throw new MemoryFault({
            syscall: call,
            address,
            size: length,
            faultAddress: at,
            reason: id === UNMAPPED ? "unmapped" : "protection",
          });
        }
        at = block.addressOf(block.pageOf(at) + 1);
      }
    }
  }

  /** Calls `visit` for every page of a range known to be mapped. */
  private forEachPage(
    start: number,
    size: number,
    visit: (block: Block, index: number) => void,
  ): void {
    const end = start + size;
    for (const block of this.blocks.overlapping(start, end)) {
      const to = block.pageOf(Math.min(end, block.end) - 1) + 1;
      for (let index = block.pageOf(Math.max(start, block.start)); index < to; index++) {
        visit(block, index);
      }
    }
  }

  private zeroPage(block: Block, index: number): void {
    const start = block.addressOf(index);
    this.zero(start, start + this.pageSize);
  }

  /** Writes zeros to `[start, end)` and counts them. */
  private zero(start: number, end: number): void {
    this.bytes().fill(0, start, end);
    this.recorder.addZeroed(end - start);
  }

  private bytes(): Uint8Array {
    return new Uint8Array(this.allocator.memory.buffer);
  }

  private refreshLevels(): void {
    const mapped = this.mappedPages * this.pageSize;
    this.recorder.setMapped(mapped);
    this.recorder.setCommitted(mapped);
    this.recorder.setFootprint(this.allocator.memory.buffer.byteLength);
  }
}

function attributesOf(strategy: MmapStrategy, annotation: MmapAnnotation | undefined) {
  return {
    prot: strategy.prot,
    reserve: strategy.reserve,
    hugePage: strategy.hugePage,
    annotation,
  };
}
