import { firstEndingAfter, rangeAt, rangesCover, rangesOverlapping } from "@osal/core";
import type { Block } from "./block.js";

/**
 * The blocks a backend holds, sorted by address and never overlapping, with
 * core's range-table binary search for the block holding an address and for the blocks meeting a
 * range.
 */
export class BlockTable {
  private readonly blocks: Block[] = [];

  /** Number of blocks held. */
  get size(): number {
    return this.blocks.length;
  }

  /** Every block, in address order. */
  all(): readonly Block[] {
    return this.blocks;
  }

  /** Adds a block (which must not overlap any held one). */
  insert(block: Block): void {
    this.blocks.splice(firstEndingAfter(this.blocks, block.start), 0, block);
  }

  /** Removes a held block. */
  remove(block: Block): void {
    this.replace(block, []);
  }

  /** Replaces a held block by others covering part of its range, in address order. */
  replace(block: Block, parts: readonly Block[]): void {
    const at = firstEndingAfter(this.blocks, block.start);
    if (this.blocks[at] !== block) throw new Error(`block at ${block.start} is not held`);
    this.blocks.splice(at, 1, ...parts);
  }

  /** The block holding `address`, if any. */
  at(address: number): Block | undefined {
    return rangeAt(this.blocks, address);
  }

  /** The blocks that share a byte with `[start, end)`, in address order (a copy). */
  overlapping(start: number, end: number): Block[] {
    return rangesOverlapping(this.blocks, start, end);
  }

  /** True when every byte of `[start, end)` lies in some held block. */
  covers(start: number, end: number): boolean {
    return rangesCover(this.overlapping(start, end), start, end);
  }
}
