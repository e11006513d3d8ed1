import { hasErrorCode, hex, MmapAnnotation, MmapStrategy } from "@osal/core";
import type { Workload, WorkloadContext } from "./context.js";
import { alignAtLeastPage, workloadSizes } from "./sizes.js";
import {
  copyStamps,
  keepStampsBelow,
  type StampedRange,
  stamp,
  stampEnds,
  stampLength,
  VerificationError,
  verifyStamps,
} from "./verification.js";

const chunkAnnotation = MmapAnnotation.space("zend-chunk");
const hugeAnnotation = MmapAnnotation.space("zend-huge");

/** How often each kind of step happens (cumulative thresholds of one roll). */
const stepMix = Object.freeze({
  /** A new 2 MiB chunk (small and large allocations need a fresh one). */
  chunk: 0.3,
  /** A new huge block: a string or an array turning huge, or a one-off huge value. */
  startHuge: 0.36,
  /** The value being built grows: a string appended to, a packed array pushed to. */
  grow: 0.8,
  /** A value dies: a chunk or a huge block is freed. */
  free: 0.995,
  /** Otherwise the request ends: every huge block is freed. */
});

/** Of new huge blocks: strings being built, packed arrays being filled, the rest one-off values. */
const hugeMix = Object.freeze({ string: 0.45, array: 0.65 });
/** Chance that a string's realloc comes from an append shorter than a page. */
const smallAppendChance = 0.6;
/** Chance that a grow step ends the build instead (the loop building the value is done). */
const finishChance = 0.01;
/** Chance that a grow step targets an older value being built rather than the newest one. */
const olderGrowChance = 0.05;
/** How many of the newest values being built an older growth may target. */
const recentBuilds = 4;
/** Chance that a one-off value is read into an estimated buffer and truncated to its length. */
const truncatedValueChance = 0.3;

/** What a huge block holds, which decides how it grows. */
type HugeKind = "string" | "array" | "value";

/** A huge block zend_alloc handed out, with the size PHP asked for. */
interface HugeBlock {
  /** The mapping (its size is `length` rounded up to the backend's page). */
  range: StampedRange;
  kind: HugeKind;
  /** Bytes zend_alloc sized the block to: a multiple of `zendRealPage`. */
  length: number;
  /** True while the value is being built and may still grow. */
  building: boolean;
}

/**
 * PHP's `zend_alloc` (PHP 7/8, `Zend/zend_alloc.c`) as an `OSMemory` client.
 *
 * Chunks: 2 MiB (`ZEND_MM_CHUNK_SIZE`), aligned to 2 MiB the way
 * `zend_mm_chunk_alloc_int` does it: map the size anywhere; if unaligned, unmap,
 * map size + 2 MiB − page and trim head and tail with `munmap`. Freed at random.
 *
 * Huge blocks: allocations above `ZEND_MM_MAX_LARGE_SIZE` (2 MiB − 4 KiB) are sized
 * to a multiple of `REAL_PAGE_SIZE` (`zendRealPage`) and mapped on their own by
 * `zend_mm_chunk_alloc(heap, size, ZEND_MM_CHUNK_SIZE)`, the same aligned path.
 * `zend_mm_realloc_huge` shrinks one with `zend_mm_chunk_truncate` (a tail `munmap`)
 * and grows one with `zend_mm_chunk_extend`, on Linux `mremap(addr, old, new, 0)`
 * without `MREMAP_MAYMOVE` (the block must stay 2 MiB aligned); when that fails it
 * falls back to `zend_mm_realloc_slow`: allocate a new block, copy, free the old.
 * A realloc that does not change the page-rounded size makes no call.
 *
 * What makes huge reallocs happen in PHP, and so what this workload does:
 * - a string being built (`smart_str`, `.=` through `zend_string_extend`) grows by
 *   small page-granular steps: `SMART_STR_NEW_SIZE` rounds the new length up to a
 *   4 KiB page, so each realloc adds the append (a line, a row, a read buffer,
 *   `zendAppendMax` at most) rounded up to a page. It turns huge when it passes the
 *   large limit, at 2 MiB − 4 KiB plus the append that crossed it (exactly 2 MiB for
 *   an append of a page or less). When the build is done `smart_str_extract` trims
 *   it to size (`smart_str_trim_to_size`), which can drop the last page;
 * - a packed array (`zend_hash_packed_grow`) doubles with `perealloc2`: 2^k zvals
 *   plus the 8-byte hash header, so 2 MiB, 4 MiB, 8 MiB … plus one page;
 * - one-off huge values (`file_get_contents`, `str_repeat`, `implode`) are
 *   allocated once at their size; a stream read allocates an estimate and
 *   `zend_string_truncate`s it to the bytes read (`_php_stream_copy_to_mem`);
 * - values die: a block is freed when its variable goes away, and at the end of the
 *   request `zend_mm_shutdown` frees every huge block (chunks stay cached).
 * The value being grown is nearly always the one being built now, the newest
 * (`olderGrowChance` of growths go to one of the other `recentBuilds` newest builds:
 * two values built in the same loop). A build stops when its loop ends
 * (`finishChance` per growth) or at `zendHugeMax`. Live memory stays under
 * `zendLiveCap` (past it, a step frees a random block instead). All decisions come
 * from the context's seeded generator, never from what the backend answered.
 */
export function zendWorkload(context: WorkloadContext): Workload {
  return new Zend(context);
}

class Zend implements Workload {
  private readonly chunkSize: number;
  private readonly align: number;
  private readonly realPage: number;
  private readonly largeMax: number;
  private readonly hugeMax: number;
  private readonly chunks: StampedRange[] = [];
  /** Live huge blocks, oldest first. */
  private readonly huge: HugeBlock[] = [];

  constructor(private readonly ctx: WorkloadContext) {
    this.chunkSize = ctx.pages(workloadSizes.zendChunk);
    this.align = alignAtLeastPage(workloadSizes.zendChunk, ctx.pageSize);
    this.realPage = workloadSizes.zendRealPage;
    this.largeMax = workloadSizes.zendChunk - this.realPage;
    this.hugeMax = workloadSizes.zendHugeMax;
  }

  step(): void {
    const roll = this.ctx.rng.next();
    if (roll < stepMix.chunk) this.allocChunk();
    else if (roll < stepMix.startHuge) this.startHuge();
    else if (roll < stepMix.grow) this.grow();
    else if (roll < stepMix.free) this.free();
    else this.endRequest();
  }

  private fits(bytes: number): boolean {
    return this.ctx.liveBytes + bytes <= workloadSizes.zendLiveCap;
  }

  /**
   * What one realloc of a string being built adds: most appends (a line, a row) are
   * shorter than a page, so the capacity grows by exactly one page; the others (a read
   * buffer, a joined block) by 2 to `zendAppendMax` / page pages.
   */
  private appendBytes(): number {
    const { rng } = this.ctx;
    if (rng.chance(smallAppendChance)) return this.realPage;
    return this.realPage * rng.range(2, workloadSizes.zendAppendMax / this.realPage);
  }

  private allocChunk(): void {
    if (!this.fits(this.chunkSize)) {
      this.free();
      return;
    }
    this.chunks.push(this.allocAligned(this.chunkSize, chunkAnnotation, "chunk"));
  }

  private startHuge(): void {
    const { rng } = this.ctx;
    const roll = rng.next();
    if (roll < hugeMix.string) {
      this.allocHuge("string", this.largeMax + this.appendBytes(), true);
    } else if (roll < hugeMix.array) {
      this.allocHuge("array", workloadSizes.zendChunk + this.realPage, true);
    } else {
      const pages = (this.hugeMax - this.largeMax) / this.realPage;
      const length = this.largeMax + this.realPage * (1 + rng.int(pages));
      const block = this.allocHuge("value", length, false);
      if (block && rng.chance(truncatedValueChance)) {
        const kept = length - this.realPage * rng.int((length - this.largeMax) / this.realPage);
        this.resize(block, kept);
      }
    }
  }

  /** `zend_mm_alloc_huge`: a new block of `length` bytes, or a free when over the cap. */
  private allocHuge(kind: HugeKind, length: number, building: boolean): HugeBlock | undefined {
    const size = this.ctx.pages(length);
    if (!this.fits(size)) {
      this.free();
      return undefined;
    }
    const range = this.allocAligned(size, hugeAnnotation, "huge block");
    const block: HugeBlock = { range, kind, length, building };
    this.huge.push(block);
    return block;
  }

  /** `zend_mm_chunk_alloc_int`: an aligned, verified-zero, stamped range. */
  private allocAligned(size: number, annotation: MmapAnnotation, what: string): StampedRange {
    const { ctx } = this;
    const start = this.mapAligned(size, annotation);
    const block = ctx.range(start, size);
    ctx.expectZeros(start, size, `zend: new ${what}`);
    stampEnds(ctx.os, block);
    return block;
  }

  private mapAligned(size: number, annotation: MmapAnnotation): number {
    const { ctx } = this;
    const align = this.align;
    const page = ctx.pageSize;
    const first = ctx.dzmmapAnywhere(size, page, MmapStrategy.DEFAULT, annotation);
    ctx.addLive(size);
    if (first % align === 0) return first;
    ctx.munmap(first, size);
    ctx.removeLive(size);
    const overSize = size + align - page;
    let start = ctx.dzmmapAnywhere(overSize, page, MmapStrategy.DEFAULT, annotation);
    ctx.addLive(overSize);
    let slack = align - page;
    const misalign = start % align;
    if (misalign !== 0) {
      const head = align - misalign;
      ctx.munmap(start, head);
      ctx.removeLive(head);
      start += head;
      slack -= head;
    }
    if (slack > 0) {
      ctx.munmap(start + size, slack);
      ctx.removeLive(slack);
    }
    return start;
  }

  /** The value being built to grow now: nearly always the newest, else another recent one. */
  private building(): HugeBlock | undefined {
    const builds: HugeBlock[] = [];
    for (let i = this.huge.length - 1; i >= 0 && builds.length < recentBuilds; i--) {
      if (this.huge[i]!.building) builds.push(this.huge[i]!);
    }
    if (builds.length === 0) return undefined;
    const { rng } = this.ctx;
    if (builds.length > 1 && rng.chance(olderGrowChance))
      return builds[1 + rng.int(builds.length - 1)];
    return builds[0];
  }

  private grow(): void {
    const block = this.building();
    if (block === undefined) {
      this.allocHuge("string", this.largeMax + this.appendBytes(), true);
      return;
    }
    if (this.ctx.rng.chance(finishChance)) {
      this.finish(block);
      return;
    }
    const length =
      block.kind === "array"
        ? 2 * (block.length - this.realPage) + this.realPage
        : block.length + this.appendBytes();
    if (length > this.hugeMax) {
      this.finish(block);
      return;
    }
    this.resize(block, length);
  }

  /** The build is over: a string is trimmed to size (its last page may go), then it stays. */
  private finish(block: HugeBlock): void {
    block.building = false;
    if (block.kind === "string" && this.ctx.rng.chance(0.5)) {
      const length = block.length - this.realPage;
      if (length > this.largeMax) this.resize(block, length);
    }
  }

  /** `zend_mm_realloc_huge` to `length` bytes: no call, truncate, extend or move. */
  private resize(block: HugeBlock, length: number): void {
    const { ctx } = this;
    const newSize = ctx.pages(length);
    const range = block.range;
    if (newSize === range.size) {
      block.length = length;
      return;
    }
    if (newSize > range.size && !this.fits(newSize - range.size)) {
      this.free();
      return;
    }
    verifyStamps(ctx.os, range, "zend: huge block before resize");
    block.length = length;
    if (newSize < range.size) {
      ctx.munmap(range.start + newSize, range.size - newSize);
      ctx.removeLive(range.size - newSize);
      range.size = newSize;
      keepStampsBelow(range, newSize);
      verifyStamps(ctx.os, range, "zend: huge block after truncation");
      stamp(ctx.os, range, newSize - stampLength);
    } else {
      block.range = this.extend(range, newSize);
    }
  }

  /**
   * `zend_mm_chunk_extend`: in place, else `zend_mm_realloc_slow` (map-new-copy-free).
   * A runtime written against osal asks `capabilities.remapInPlace` first, as
   * PHP's build asks `HAVE_MREMAP`: on a backend that cannot grow in place it goes
   * straight to the copy instead of making a call it knows will fail.
   */
  private extend(block: StampedRange, newSize: number): StampedRange {
    const { ctx } = this;
    const oldSize = block.size;
    if (!ctx.os.capabilities.remapInPlace) return this.copyToNew(block, newSize);
    let moved: number;
    try {
      moved = ctx.mremap(block.start, oldSize, newSize, false);
    } catch (error) {
      if (!(hasErrorCode(error, "ENOMEM") || hasErrorCode(error, "ENOTSUP"))) throw error;
      return this.copyToNew(block, newSize);
    }
    if (moved !== block.start) {
      throw new VerificationError(
        `zend: mremap without mayMove moved ${hex(block.start)} to ${hex(moved)}`,
      );
    }
    ctx.addLive(newSize - oldSize);
    block.size = newSize;
    verifyStamps(ctx.os, block, "zend: huge block after in-place mremap");
    ctx.expectZeros(block.start + oldSize, newSize - oldSize, "zend: grown part of huge block");
    stamp(ctx.os, block, newSize - stampLength);
    return block;
  }

  private copyToNew(block: StampedRange, newSize: number): StampedRange {
    const { ctx } = this;
    const start = this.mapAligned(newSize, hugeAnnotation);
    ctx.expectZeros(start, newSize, "zend: new huge block for realloc");
    const copy: StampedRange = { start, size: newSize, tag: block.tag, stamps: [] };
    copyStamps(ctx.os, block, copy);
    ctx.munmap(block.start, block.size);
    ctx.removeLive(block.size);
    verifyStamps(ctx.os, copy, "zend: huge block after copy");
    stamp(ctx.os, copy, newSize - stampLength);
    return copy;
  }

  /** A value dies: a random chunk or huge block is unmapped. */
  private free(): void {
    const total = this.chunks.length + this.huge.length;
    if (total === 0) return;
    const pick = this.ctx.rng.int(total);
    if (pick < this.chunks.length) {
      this.unmap(this.chunks[pick]!);
      this.chunks.splice(pick, 1);
    } else {
      const index = pick - this.chunks.length;
      this.unmap(this.huge[index]!.range);
      this.huge.splice(index, 1);
    }
  }

  /** `zend_mm_shutdown` at the end of a request: every huge block goes, chunks stay cached. */
  private endRequest(): void {
    for (const block of this.huge) this.unmap(block.range);
    this.huge.length = 0;
  }

  private unmap(block: StampedRange): void {
    const { ctx } = this;
    verifyStamps(ctx.os, block, "zend: block before free");
    ctx.munmap(block.start, block.size);
    ctx.removeLive(block.size);
  }
}
