import { UNMAPPED } from "./page-attributes.js";

/**
 * One block the backend holds from its allocator: `[start, start + pages × pageSize)`,
 * freed by `start`. Each page is mapped (an attribute id) or not ({@link UNMAPPED}):
 * a partial `munmap` the allocator cannot take back leaves unmapped pages in a
 * block that is still held, and the block is freed when its last page goes.
 * `pendingZero` marks `NoAccess` pages whose zeroing was deferred until they
 * become accessible again (a `dontneed` or a fresh mapping made `NoAccess`).
 */
export class Block {
  /** Attribute id per page; {@link UNMAPPED} where the page is not mapped. */
  readonly attributes: Uint32Array;
  /** 1 where the page must be zeroed before it is next accessible. */
  readonly pendingZero: Uint8Array;
  /** How many pages are mapped. */
  mappedPages: number;

  constructor(
    /** First byte, the address the allocator returned. */
    readonly start: number,
    /** Number of pages. */
    readonly pages: number,
    /** Page size in bytes. */
    readonly pageSize: number,
    attributes?: Uint32Array,
    pendingZero?: Uint8Array,
  ) {
    this.attributes = attributes ?? new Uint32Array(pages);
    this.pendingZero = pendingZero ?? new Uint8Array(pages);
    let mapped = 0;
    for (const id of this.attributes) if (id !== UNMAPPED) mapped++;
    this.mappedPages = mapped;
  }

  /** One past the last byte. */
  get end(): number {
    return this.start + this.pages * this.pageSize;
  }

  /** The index of the page holding `address` (which must lie in the block). */
  pageOf(address: number): number {
    return Math.floor((address - this.start) / this.pageSize);
  }

  /** The address of page `index`. */
  addressOf(index: number): number {
    return this.start + index * this.pageSize;
  }

  /** Maps page `index` with attribute id `id` (a mapped id), keeping the mapped count. */
  map(index: number, id: number, pendingZero: boolean): void {
    if (this.attributes[index] === UNMAPPED) this.mappedPages++;
    this.attributes[index] = id;
    this.pendingZero[index] = pendingZero ? 1 : 0;
  }

  /** Unmaps page `index`, keeping the mapped count. */
  unmap(index: number): void {
    if (this.attributes[index] !== UNMAPPED) this.mappedPages--;
    this.attributes[index] = UNMAPPED;
    this.pendingZero[index] = 0;
  }

  /** True when pages `[from, to)` are all mapped. */
  allMapped(from: number, to: number): boolean {
    for (let index = from; index < to; index++) {
      if (this.attributes[index] === UNMAPPED) return false;
    }
    return true;
  }

  /** True when pages `[from, to)` are mapped with one attribute id: one mapping, as Linux sees it. */
  isOneMapping(from: number, to: number): boolean {
    const id = this.attributes[from];
    if (id === undefined || id === UNMAPPED) return false;
    for (let index = from + 1; index < to; index++) {
      if (this.attributes[index] !== id) return false;
    }
    return true;
  }

  /** A new block holding pages `[from, to)` of this one (their state copied). */
  slice(from: number, to: number): Block {
    return new Block(
      this.addressOf(from),
      to - from,
      this.pageSize,
      this.attributes.slice(from, to),
      this.pendingZero.slice(from, to),
    );
  }
}
