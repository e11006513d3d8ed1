/**
 * Which pages of the address space an allocator has ever handed to this backend,
 * one bit per page. With an allocator that keeps its bookkeeping out of the heap
 * and has no other users, a page never handed out is still as `memory.grow` left
 * it: zero. This is the exact form of CoreCLR's "above the old break" shortcut,
 * which a high-water mark only approximates.
 */
export class HandedOutPages {
  private readonly bits: Uint8Array;

  constructor(
    private readonly pageSize: number,
    addressSpaceEnd: number,
  ) {
    this.bits = new Uint8Array(Math.ceil(addressSpaceEnd / pageSize / 8));
  }

  /**
   * The byte ranges of `[start, end)` (page-aligned) that lie on pages handed out
   * before, merged, in address order; then marks every page of the range handed out.
   */
  take(start: number, end: number): [number, number][] {
    const dirty: [number, number][] = [];
    for (let page = start / this.pageSize; page < end / this.pageSize; page++) {
      const byte = page >>> 3;
      const mask = 1 << (page & 7);
      if ((this.bits[byte]! & mask) !== 0) {
        const address = page * this.pageSize;
        const last = dirty[dirty.length - 1];
        if (last !== undefined && last[1] === address) last[1] = address + this.pageSize;
        else dirty.push([address, address + this.pageSize]);
      } else {
        this.bits[byte]! |= mask;
      }
    }
    return dirty;
  }
}
