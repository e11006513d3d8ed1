import type { Block } from "./block.js";

/**
 * The blocks a backend holds, sorted by address and never overlapping, with
 * binary search for the block holding an address and for the blocks meeting a
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
    this.blocks.splice(this.firstEndingAfter(block.start), 0, block);
  }

  /** Removes a held block. */
  remove(block: Block): void {
    this.replace(block, []);
  }

  /** Replaces a held block by others covering part of its range, in address order. */
  replace(block: Block, parts: readonly Block[]): void {
    const at = this.firstEndingAfter(block.start);
    if (this.blocks[at] !== block) throw new Error(`block at ${block.start} is not held`);
    this.blocks.splice(at, 1, ...parts);
  }

  /** The block holding `address`, if any. */
  at(address: number): Block | undefined {
    const block = this.blocks[this.firstEndingAfter(address)];
    return block !== undefined && block.start <= address ? block : undefined;
  }

  /** The blocks that share a byte with `[start, end)`, in address order (a copy). */
  overlapping(start: number, end: number): Block[] {
    const out: Block[] = [];
    for (let at = this.firstEndingAfter(start); at < this.blocks.length; at++) {
      const block = this.blocks[at]!;
      if (block.start >= end) break;
      out.push(block);
    }
    return out;
  }

  /** True when every byte of `[start, end)` lies in some held block. */
  covers(start: number, end: number): boolean {
    let next = start;
    for (const block of this.overlapping(start, end)) {
      if (block.start > next) return false;
      next = block.end;
    }
    return next >= end;
  }

  /** Index of the first block whose end is after `address`. */
  private firstEndingAfter(address: number): number {
    let low = 0;
    let high = this.blocks.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.blocks[middle]!.end <= address) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}
