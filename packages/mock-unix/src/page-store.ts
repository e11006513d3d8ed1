/**
 * Resident pages of the simulated process: a sparse map from page number to the
 * page's bytes. A page exists only once something was written to it (demand
 * zero: reading an untouched page sees zeros and costs nothing, like Linux's
 * shared zero page), so reserving a terabyte costs no host memory.
 */
export class PageStore {
  private readonly pages = new Map<number, Uint8Array>();

  constructor(readonly pageSize: number) {}

  /** Number of resident pages. */
  get residentPages(): number {
    return this.pages.size;
  }

  /** Resident bytes: what the process costs its host. */
  get residentBytes(): number {
    return this.pages.size * this.pageSize;
  }

  /** The bytes of page `page` if resident. */
  peek(page: number): Uint8Array | undefined {
    return this.pages.get(page);
  }

  /** The bytes of page `page`, materialising a zero page if needed; `fresh` tells which. */
  touch(page: number): { bytes: Uint8Array; fresh: boolean } {
    const existing = this.pages.get(page);
    if (existing) return { bytes: existing, fresh: false };
    const bytes = new Uint8Array(this.pageSize);
    this.pages.set(page, bytes);
    return { bytes, fresh: true };
  }

  /** Drops every resident page in `[first, first + count)`: they read as zero again. */
  drop(first: number, count: number): void {
    for (const page of this.residentIn(first, count)) this.pages.delete(page);
  }

  /**
   * Moves the resident pages of `[from, from + count)` to start at page `to`
   * (`mremap` moving a mapping keeps its bytes). Ranges may not overlap.
   */
  move(from: number, count: number, to: number): void {
    const moving = this.residentIn(from, count).map(
      (page) => [page, this.pages.get(page)!] as const,
    );
    for (const [page] of moving) this.pages.delete(page);
    for (const [page, bytes] of moving) this.pages.set(page - from + to, bytes);
  }

  /** The resident page numbers in `[first, first + count)`, whichever is cheaper to scan. */
  private residentIn(first: number, count: number): number[] {
    const out: number[] = [];
    if (count <= this.pages.size) {
      for (let page = first; page < first + count; page++) if (this.pages.has(page)) out.push(page);
    } else {
      for (const page of this.pages.keys())
        if (page >= first && page < first + count) out.push(page);
    }
    return out;
  }
}

/**
 * Calls `body(page, offsetInPage, count, offsetInBuffer)` for each piece of
 * the byte range `[address, address + length)` that lies in one page.
 */
export function eachPagePart(
  pageSize: number,
  address: number,
  length: number,
  body: (page: number, offset: number, count: number, bufferOffset: number) => void,
): void {
  let done = 0;
  while (done < length) {
    const at = address + done;
    const page = Math.floor(at / pageSize);
    const offset = at - page * pageSize;
    const count = Math.min(pageSize - offset, length - done);
    body(page, offset, count, done);
    done += count;
  }
}
