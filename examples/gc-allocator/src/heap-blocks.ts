import { MmapAnnotation, MmapProtection, MmapStrategy, type OSMemory } from "@osal/core";
import type { ResolvedHeapOptions } from "./heap-options.js";

/*
 * Note [Blocks]
 * ~~~~~~~~~~~~~
 * The heap reserves its whole address range once, as MMTk and CoreCLR do:
 * `dzmmapAnywhere` with `MmapStrategy.QUARANTINE` (`NoAccess`, `MAP_NORESERVE`),
 * aligned to the block size. Reserving holds the addresses; on a backend with
 * `capabilities.reservesWithoutCommit` it costs no memory.
 *
 * The range is cut into fixed-size blocks. A block is committed when the
 * allocator needs one (`setMemoryAccess` to `ReadWrite`), always the lowest
 * uncommitted one so the heap stays compact, and released when a collection
 * finds nothing alive in it: `madvise(dontneed)` (the OS may drop the pages; the
 * block reads as zero next time) then `setMemoryAccess` back to `NoAccess` (so a
 * stale reference into it faults instead of reading garbage). Released blocks
 * keep their addresses and are committed again later.
 *
 * Only these three calls are used (no `MAP_FIXED`), so the heap runs on every
 * osal backend, including those without `capabilities.fixed`.
 */

/** Where the heap lives: its reservation and how it is cut into blocks. */
export interface HeapLayout {
  /** First byte of the reservation, block-aligned. */
  readonly start: number;
  /** Bytes reserved. */
  readonly size: number;
  /** Bytes per block. */
  readonly blockSize: number;
  /** Blocks in the reservation. */
  readonly blockCount: number;
}

/**
 * The reservation and the state of each block: committed or not, and bytes
 * bump-allocated in it. Every OS call either succeeds
 * or throws the backend's `MmapError` with the bookkeeping unchanged.
 */
export class BlockSpace {
  /** Where the reservation is and how it is cut. */
  readonly layout: HeapLayout;
  private readonly os: OSMemory;
  private readonly committed: boolean[];
  private readonly used: number[];
  private commitCount = 0;
  private releaseCount = 0;

  private constructor(os: OSMemory, layout: HeapLayout) {
    this.os = os;
    this.layout = layout;
    this.committed = new Array<boolean>(layout.blockCount).fill(false);
    this.used = new Array<number>(layout.blockCount).fill(0);
  }

  /** Reserves the heap's range (nothing committed yet). Backend errors propagate. */
  static reserve(os: OSMemory, options: ResolvedHeapOptions): BlockSpace {
    const start = os.dzmmapAnywhere(
      options.reservedBytes,
      options.blockSize,
      MmapStrategy.QUARANTINE,
      MmapAnnotation.space(options.name),
    );
    return new BlockSpace(os, {
      start,
      size: options.reservedBytes,
      blockSize: options.blockSize,
      blockCount: options.reservedBytes / options.blockSize,
    });
  }

  /** The block holding `address`, or `undefined` outside the reservation. */
  blockOf(address: number): number | undefined {
    const offset = address - this.layout.start;
    if (!Number.isSafeInteger(offset) || offset < 0 || offset >= this.layout.size) return undefined;
    return Math.floor(offset / this.layout.blockSize);
  }

  /** First byte of block `index`. */
  blockStart(index: number): number {
    return this.layout.start + index * this.layout.blockSize;
  }

  /** True when block `index` is committed (readable and writable). */
  isCommitted(index: number): boolean {
    return this.committed[index] === true;
  }

  /** Bytes bump-allocated so far in block `index`. */
  usedBytes(index: number): number {
    return this.used[index] ?? 0;
  }

  /** Blocks committed so far (a block committed again counts again). */
  get commits(): number {
    return this.commitCount;
  }

  /** Blocks given back to the OS so far. */
  get releases(): number {
    return this.releaseCount;
  }

  /** Indices of the committed blocks, ascending. */
  committedBlocks(): number[] {
    const blocks: number[] = [];
    for (let i = 0; i < this.layout.blockCount; i++) if (this.committed[i]) blocks.push(i);
    return blocks;
  }

  /**
   * Commits the lowest uncommitted block and returns its index, or `undefined`
   * when every block is committed. The block reads as zero.
   */
  commit(): number | undefined {
    const index = this.committed.indexOf(false);
    if (index < 0) return undefined;
    this.os.setMemoryAccess(
      this.blockStart(index),
      this.layout.blockSize,
      MmapProtection.ReadWrite,
    );
    this.committed[index] = true;
    this.used[index] = 0;
    this.commitCount++;
    return index;
  }

  /**
   * Takes the next `size` bytes of committed block `index` (bump allocation) and
   * returns their address, or `undefined` when the block has no room left.
   */
  bump(index: number, size: number): number | undefined {
    const used = this.usedBytes(index);
    if (!this.isCommitted(index) || used + size > this.layout.blockSize) return undefined;
    this.used[index] = used + size;
    return this.blockStart(index) + used;
  }

  /**
   * Gives committed block `index` back to the OS; its objects must all be dead.
   * If `madvise` fails nothing changed. If `madvise` worked but `mprotect` did
   * not, the block stays committed as an empty, zeroed block (fit for reuse) and
   * the error is thrown.
   */
  release(index: number): void {
    const start = this.blockStart(index);
    const size = this.layout.blockSize;
    this.os.madvise(start, size, "dontneed");
    this.used[index] = 0;
    this.os.setMemoryAccess(start, size, MmapProtection.NoAccess);
    this.committed[index] = false;
    this.releaseCount++;
  }

  /** Unmaps the whole reservation. The space must not be used afterwards. */
  dispose(): void {
    this.os.munmap(this.layout.start, this.layout.size);
    this.committed.fill(false);
  }
}
