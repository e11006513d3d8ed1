import {
  formatAnnotation,
  hex,
  isAccessible,
  type MappingInfo,
  type MmapProtection,
} from "@osal/core";

/** What the model expects of one page. */
export interface ModelPage {
  readonly prot: MmapProtection;
  readonly reserve: boolean;
  /** The annotation's display form, or `undefined`. */
  readonly annotation: string | undefined;
  /** The page's bytes; `undefined` while the page reads as all zeros. */
  readonly bytes: Uint8Array | undefined;
}

/** The attributes a new mapping gets. */
export type ModelAttributes = Pick<ModelPage, "prot" | "reserve" | "annotation">;

/** A page-aligned range. */
export interface ModelRange {
  readonly start: number;
  readonly size: number;
}

/** Where an access cannot go, as a `MemoryFault` would report it. */
export interface ModelFault {
  readonly faultAddress: number;
  readonly reason: "unmapped" | "protection";
}

/** How many handed-out ranges {@link MemoryModel.known} remembers. */
const KNOWN_LIMIT = 12;

/**
 * A reference model of what an `OSMemory` should hold: page by page, its
 * protection, reserve flag, annotation and bytes (POSIX semantics). The
 * model-based test applies every command to a backend and to this model and
 * compares them. It also remembers the allocation units made by map calls
 * (`regions`, what a backend without partial unmap can unmap) and the ranges the
 * backend handed out (`known`, where fixed mappings are placed), so random
 * commands can aim at meaningful addresses.
 */
export class MemoryModel {
  /** Allocation units: each map call's range, trimmed by later unmaps and replacements. */
  readonly regions: ModelRange[] = [];
  /** Ranges the backend has handed out, most recent last. */
  readonly known: ModelRange[] = [];
  private readonly pages = new Map<number, ModelPage>();

  constructor(
    readonly pageSize: number,
    readonly addressSpaceEnd: number,
  ) {}

  /** The page at `address` (page-aligned), or `undefined` when unmapped. */
  page(address: number): ModelPage | undefined {
    return this.pages.get(address);
  }

  /** Bytes mapped, as `stats().mappedBytes` should report. */
  get mappedBytes(): number {
    return this.pages.size * this.pageSize;
  }

  /** True when no page of the range is mapped and it lies inside the address space. */
  isFree(start: number, size: number): boolean {
    if (start + size > this.addressSpaceEnd) return false;
    return this.addresses(start, size).every((a) => !this.pages.has(a));
  }

  /** True when every page of the range is mapped. */
  isMapped(start: number, size: number): boolean {
    return this.addresses(start, size).every((a) => this.pages.has(a));
  }

  /** True when every page of the range is mapped with the same attributes (one mapping, as mremap needs). */
  isOneMapping(start: number, size: number): boolean {
    const first = this.pages.get(start);
    if (!first) return false;
    return this.addresses(start, size).every((a) => {
      const page = this.pages.get(a);
      return page !== undefined && sameAttributes(page, first);
    });
  }

  /** `dzmmap` with replace: the range becomes zero pages with `attributes`. */
  map(start: number, size: number, attributes: ModelAttributes): void {
    this.cutRegions(start, size);
    for (const a of this.addresses(start, size))
      this.pages.set(a, { ...attributes, bytes: undefined });
    this.regions.push({ start, size });
    this.remember(start, size);
  }

  /**
   * Takes in a mapping the backend already had before the sequence (memory a
   * guest owns, say) with its bytes: it is checked like the rest but never
   * becomes a target of the random commands.
   */
  adopt(mapping: MappingInfo, bytes: Uint8Array | undefined): void {
    const annotation = mapping.annotation ? formatAnnotation(mapping.annotation) : undefined;
    for (const a of this.addresses(mapping.start, mapping.end - mapping.start)) {
      const offset = a - mapping.start;
      const contents = bytes?.slice(offset, offset + this.pageSize);
      this.pages.set(a, {
        prot: mapping.prot,
        reserve: mapping.reserve,
        annotation,
        bytes: contents?.some((b) => b !== 0) ? contents : undefined,
      });
    }
  }

  /** `munmap`: every page of the range is gone. */
  unmap(start: number, size: number): void {
    this.cutRegions(start, size);
    for (const a of this.addresses(start, size)) this.pages.delete(a);
  }

  /** `setMemoryAccess` over mapped pages. */
  protect(start: number, size: number, prot: MmapProtection): void {
    for (const a of this.addresses(start, size)) {
      const page = this.pages.get(a);
      if (page) this.pages.set(a, { ...page, prot });
    }
  }

  /** `madvise(dontneed)` over mapped pages: they read as zero. */
  dontneed(start: number, size: number): void {
    for (const a of this.addresses(start, size)) {
      const page = this.pages.get(a);
      if (page) this.pages.set(a, { ...page, bytes: undefined });
    }
  }

  /**
   * `mremap` of the one mapping `[oldStart, oldStart + oldSize)` to
   * `[newStart, newStart + newSize)`: attributes and the first
   * `min(oldSize, newSize)` bytes move, growth reads as zero.
   */
  remap(oldStart: number, oldSize: number, newStart: number, newSize: number): void {
    const moved = this.addresses(oldStart, Math.min(oldSize, newSize)).map(
      (a) => this.pages.get(a)!,
    );
    const attributes = this.pages.get(oldStart)!;
    this.unmap(oldStart, oldSize);
    this.cutRegions(newStart, newSize);
    this.addresses(newStart, newSize).forEach((a, i) => {
      this.pages.set(a, moved[i] ?? { ...attributes, bytes: undefined });
    });
    this.regions.push({ start: newStart, size: newSize });
    this.remember(newStart, newSize);
  }

  /** Where an access of `length` bytes at `address` would fault, or `undefined` if it may go ahead. */
  accessFault(address: number, length: number): ModelFault | undefined {
    if (length === 0) return undefined;
    const first = address - (address % this.pageSize);
    for (let a = first; a < address + length; a += this.pageSize) {
      const page = this.pages.get(a);
      const faultAddress = Math.max(a, address);
      if (!page) return { faultAddress, reason: "unmapped" };
      if (!isAccessible(page.prot)) return { faultAddress, reason: "protection" };
    }
    return undefined;
  }

  /** Writes `bytes` at `address` (which must be accessible). */
  write(address: number, bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      const at = address + done;
      const offset = at % this.pageSize;
      const pageStart = at - offset;
      const count = Math.min(this.pageSize - offset, bytes.length - done);
      const page = this.pages.get(pageStart)!;
      const contents = page.bytes ? page.bytes.slice() : new Uint8Array(this.pageSize);
      contents.set(bytes.subarray(done, done + count), offset);
      this.pages.set(pageStart, { ...page, bytes: contents });
      done += count;
    }
  }

  /** What `length` bytes at `address` should read as (the range must be mapped). */
  read(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const at = address + done;
      const offset = at % this.pageSize;
      const count = Math.min(this.pageSize - offset, length - done);
      const bytes = this.pages.get(at - offset)?.bytes;
      if (bytes) out.set(bytes.subarray(offset, offset + count), done);
      done += count;
    }
    return out;
  }

  /** Every mapped page address, ascending. */
  mappedPages(): number[] {
    return [...this.pages.keys()].sort((a, b) => a - b);
  }

  /** The expected listing: maximal runs of pages with the same attributes, one line each. */
  layout(): string[] {
    const runs: { start: number; end: number; key: string }[] = [];
    for (const a of this.mappedPages()) {
      const key = attributeKey(this.pages.get(a)!);
      const last = runs.at(-1);
      if (last && last.end === a && last.key === key) last.end = a + this.pageSize;
      else runs.push({ start: a, end: a + this.pageSize, key });
    }
    return runs.map((r) => `${hex(r.start)}-${hex(r.end)} ${r.key}`);
  }

  /** The same listing built from a backend's `getMappings()`, merging adjacent identical mappings. */
  static layoutOf(mappings: readonly MappingInfo[]): string[] {
    const runs: { start: number; end: number; key: string }[] = [];
    for (const m of mappings) {
      const key = attributeKey({
        prot: m.prot,
        reserve: m.reserve,
        annotation: m.annotation ? formatAnnotation(m.annotation) : undefined,
      });
      const last = runs.at(-1);
      if (last && last.end === m.start && last.key === key) last.end = m.end;
      else runs.push({ start: m.start, end: m.end, key });
    }
    return runs.map((r) => `${hex(r.start)}-${hex(r.end)} ${r.key}`);
  }

  private addresses(start: number, size: number): number[] {
    const out: number[] = [];
    for (let a = start; a < start + size; a += this.pageSize) out.push(a);
    return out;
  }

  private cutRegions(start: number, size: number): void {
    const end = start + size;
    const kept: ModelRange[] = [];
    for (const r of this.regions) {
      const rEnd = r.start + r.size;
      if (rEnd <= start || end <= r.start) {
        kept.push(r);
        continue;
      }
      if (r.start < start) kept.push({ start: r.start, size: start - r.start });
      if (end < rEnd) kept.push({ start: end, size: rEnd - end });
    }
    this.regions.splice(0, this.regions.length, ...kept);
  }

  private remember(start: number, size: number): void {
    this.known.push({ start, size });
    if (this.known.length > KNOWN_LIMIT) this.known.shift();
  }
}

function sameAttributes(a: ModelAttributes, b: ModelAttributes): boolean {
  return attributeKey(a) === attributeKey(b);
}

function attributeKey(page: ModelAttributes): string {
  return `${page.prot} reserve=${page.reserve} ${page.annotation ?? "-"}`;
}
