import {
  currentBuffer,
  type MappedRun,
  type MappingInfo,
  type MmapAnnotation,
  type MmapStrategy,
  remapFault,
  type StatsRecorder,
} from "@osal/core";
import type { AlignedAllocator } from "./aligned-allocator.js";
import type { Block } from "./block.js";
import { type Allocation, type AllocationContext, allocateBlock } from "./block-allocation.js";
import type { BlockTable } from "./block-table.js";
import { AttributeTable, UNMAPPED } from "./page-attributes.js";

/**
 * The pages wasm-posix-memalign holds: its blocks (`BlockTable`), each page's
 * attribute id and pending-zero flag, and the page-level operations the
 * backend's primitives are made of: map fresh or over held pages, unmap (free or
 * release what the allocator can take back), move, zero, list. See Note
 * [posix_memalign backend] in `wasm-posix-memalign.ts` for the rules.
 */
export class BlockSpace {
  /** The attribute ids pages carry. */
  readonly attributes = new AttributeTable();
  /** Pages currently mapped, over every block. */
  mappedPages = 0;
  private readonly allocator: AlignedAllocator;
  private readonly blocks: BlockTable;
  private readonly pageSize: number;

  constructor(
    private readonly context: AllocationContext,
    private readonly recorder: StatsRecorder,
    private readonly largeAlignment: number,
    private readonly canRelease: boolean,
  ) {
    this.allocator = context.allocator;
    this.blocks = context.blocks;
    this.pageSize = context.pageSize;
  }

  /** The attribute id for a new mapping with `strategy` and `annotation`. */
  idOf(strategy: MmapStrategy, annotation: MmapAnnotation | undefined): number {
    return this.attributes.idOf({
      prot: strategy.prot,
      reserve: strategy.reserve,
      hugePage: strategy.hugePage,
      annotation,
    });
  }

  /** True when every byte of `[start, end)` lies in a held block (mapped or not). */
  holds(start: number, end: number): boolean {
    return this.blocks.covers(start, end);
  }

  /** `MAP_FIXED` over held pages: each gets attribute `id`, zeroed now if accessible. */
  remapHeld(start: number, end: number, id: number): void {
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
  }

  /** Maps `size` bytes in a new block aligned to `align`; returns the address. */
  mapNew(size: number, align: number, id: number, annotation: MmapAnnotation | undefined): number {
    const { block, first, count, dirty } = this.allocate(size, align, "mmap", annotation);
    this.mapFresh(block, first, first + count, id, dirty);
    this.blocks.insert(block);
    this.mappedPages += block.mappedPages;
    return block.addressOf(first);
  }

  /** Unmaps every mapped page of `[start, end)`. */
  unmap(start: number, end: number): void {
    for (const block of this.blocks.overlapping(start, end)) {
      this.unmapPart(block, Math.max(start, block.start), Math.min(end, block.end));
    }
  }

  /**
   * The blocks holding `[start, end)` when every page of it is mapped with one
   * attribute id (one mapping, as Linux and `getMappings` see it); otherwise
   * `mremap`'s `EFAULT`.
   */
  oneMapping(start: number, end: number): Block[] {
    const parts = this.blocks.covers(start, end) ? this.blocks.overlapping(start, end) : [];
    const id = parts[0]?.attributes[parts[0].pageOf(start)];
    const whole =
      parts.length > 0 &&
      parts.every((part) => {
        const from = part.pageOf(Math.max(start, part.start));
        const to = part.pageOf(Math.min(end, part.end) - 1) + 1;
        return part.isOneMapping(from, to) && part.attributes[from] === id;
      });
    if (!whole) {
      const mapped = this.blocks.at(start)?.attributes[this.blocks.at(start)!.pageOf(start)];
      throw remapFault(start, end - start, mapped !== undefined && mapped !== UNMAPPED);
    }
    return parts;
  }

  /**
   * A moving `mremap` of one mapping (held in one or several blocks): the part in
   * the first block moves (new block, rest mapped fresh), then the bytes and
   * pending-zero flags of the other parts follow and those parts are unmapped.
   */
  move(parts: Block[], start: number, oldSize: number, newSize: number): number {
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

  /** Calls `visit` for every page of a range known to be mapped. */
  forEachPage(start: number, size: number, visit: (block: Block, index: number) => void): void {
    const end = start + size;
    for (const block of this.blocks.overlapping(start, end)) {
      const to = block.pageOf(Math.min(end, block.end) - 1) + 1;
      for (let index = block.pageOf(Math.max(start, block.start)); index < to; index++) {
        visit(block, index);
      }
    }
  }

  /** Zeroes one page and counts it. */
  zeroPage(block: Block, index: number): void {
    const start = block.addressOf(index);
    this.zero(start, start + this.pageSize);
  }

  /** The mapped runs (pages of one protection) meeting `[start, end)`, in order. */
  *runs(start: number, end: number): Generator<MappedRun> {
    let run: { start: number; end: number; prot: MappedRun["prot"] } | undefined;
    for (const block of this.blocks.overlapping(start, end)) {
      const to = block.pageOf(Math.min(end, block.end) - 1) + 1;
      for (let index = block.pageOf(Math.max(start, block.start)); index < to; index++) {
        const id = block.attributes[index]!;
        const address = block.addressOf(index);
        const prot = id === UNMAPPED ? undefined : this.attributes.get(id).prot;
        if (run !== undefined && (prot !== run.prot || run.end !== address)) {
          yield run;
          run = undefined;
        }
        if (prot === undefined) continue;
        if (run === undefined) run = { start: address, end: address + this.pageSize, prot };
        else run.end = address + this.pageSize;
      }
    }
    if (run !== undefined) yield run;
  }

  /** Mapped pages, in address order, maximal runs of equal attributes merged. */
  listing(): MappingInfo[] {
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

  /** The allocator's memory as bytes (a fresh view: the memory may have grown). */
  bytes(): Uint8Array {
    return new Uint8Array(currentBuffer(this.allocator.memory));
  }

  /** Unmaps `[from, to)`, a page range inside `block`; frees or releases what it can. */
  unmapPart(block: Block, from: number, to: number): void {
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

  /** One block from the allocator, with the fallbacks of Note [posix_memalign fallbacks]. */
  private allocate(
    size: number,
    align: number,
    call: "mmap" | "mremap",
    annotation?: MmapAnnotation,
  ): Allocation {
    const preferred = size >= this.largeAlignment ? Math.max(align, this.largeAlignment) : align;
    return allocateBlock(this.context, size, align, preferred, call, annotation);
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

  /** The moving half of `mremap` within one block: returns the new address. */
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

  /** Frees a whole block and forgets it. */
  private release(block: Block): void {
    this.mappedPages -= block.mappedPages;
    this.blocks.remove(block);
    this.allocator.free(block.start);
  }

  /** Writes zeros to `[start, end)` and counts them. */
  private zero(start: number, end: number): void {
    this.bytes().fill(0, start, end);
    this.recorder.addZeroed(end - start);
  }
}
