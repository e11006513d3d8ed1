import { hasErrorCode, hex, MmapAnnotation, MmapStrategy } from "@osal/core";
import { alignAtLeastPage, workloadSizes } from "./sizes.js";
import {
  copyStamps,
  keepStampsBelow,
  stamp,
  stampEnds,
  stampLength,
  VerificationError,
  verifyStamps,
} from "./verification.js";

const chunkAnnotation = MmapAnnotation.space("zend-chunk");
const hugeAnnotation = MmapAnnotation.space("zend-huge");
/**
 * PHP's `zend_alloc` as an `OSMemory` client: 2 MiB chunks and huge blocks
 * (2–16 MiB), both aligned to 2 MiB the way `zend_mm_chunk_alloc_int` does it (map
 * the size anywhere; if unaligned, unmap, map size + 2 MiB − page and trim head and
 * tail with `munmap`). Huge blocks shrink by unmapping their tail and grow in place
 * with `mremap` without `mayMove`, falling back to map-new, copy, free when that
 * fails with `ENOMEM` or `ENOTSUP`. Live memory stays under `zendLiveCap`.
 */
export function zendWorkload(context) {
  return new Zend(context);
}
class Zend {
  ctx;
  chunkSize;
  align;
  hugeMax;
  chunks = [];
  huge = [];
  constructor(ctx) {
    this.ctx = ctx;
    this.chunkSize = ctx.pages(workloadSizes.zendChunk);
    this.align = alignAtLeastPage(workloadSizes.zendChunk, ctx.pageSize);
    this.hugeMax = ctx.pages(workloadSizes.zendHugeMax);
  }
  step() {
    const roll = this.ctx.rng.next();
    if (roll < 0.35) this.allocChunk();
    else if (roll < 0.55) this.allocHuge();
    else if (roll < 0.7) this.resizeHuge();
    else this.free();
  }
  fits(bytes) {
    return this.ctx.liveBytes + bytes <= workloadSizes.zendLiveCap;
  }
  hugeSize() {
    const { rng } = this.ctx;
    return this.ctx.pages(this.chunkSize + 1 + rng.int(this.hugeMax - this.chunkSize));
  }
  allocChunk() {
    if (!this.fits(this.chunkSize)) return this.free();
    this.chunks.push(this.allocAligned(this.chunkSize, chunkAnnotation, "chunk"));
  }
  allocHuge() {
    const size = this.hugeSize();
    if (!this.fits(size)) return this.free();
    this.huge.push(this.allocAligned(size, hugeAnnotation, "huge block"));
  }
  /** `zend_mm_chunk_alloc_int`: an aligned, verified-zero, stamped range. */
  allocAligned(size, annotation, what) {
    const { ctx } = this;
    const start = this.mapAligned(size, annotation);
    const block = ctx.range(start, size);
    ctx.expectZeros(start, size, `zend: new ${what}`);
    stampEnds(ctx.os, block);
    return block;
  }
  mapAligned(size, annotation) {
    const { ctx, align } = this;
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
  resizeHuge() {
    if (this.huge.length === 0) return this.allocChunk();
    const { ctx } = this;
    const index = ctx.rng.int(this.huge.length);
    const block = this.huge[index];
    const newSize = this.hugeSize();
    verifyStamps(ctx.os, block, "zend: huge block before resize");
    if (newSize < block.size) {
      ctx.munmap(block.start + newSize, block.size - newSize);
      ctx.removeLive(block.size - newSize);
      block.size = newSize;
      keepStampsBelow(block, newSize);
      verifyStamps(ctx.os, block, "zend: huge block after truncation");
      stamp(ctx.os, block, newSize - stampLength);
    } else if (newSize > block.size) {
      if (!this.fits(newSize - block.size)) return this.free();
      this.huge[index] = this.extend(block, newSize);
    }
  }
  /** `zend_mm_realloc_huge` growing: in place, else map-new-copy-free. */
  extend(block, newSize) {
    const { ctx } = this;
    const oldSize = block.size;
    let moved;
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
  copyToNew(block, newSize) {
    const { ctx } = this;
    const start = this.mapAligned(newSize, hugeAnnotation);
    ctx.expectZeros(start, newSize, "zend: new huge block for realloc");
    const copy = { start, size: newSize, tag: block.tag, stamps: [] };
    copyStamps(ctx.os, block, copy);
    ctx.munmap(block.start, block.size);
    ctx.removeLive(block.size);
    verifyStamps(ctx.os, copy, "zend: huge block after copy");
    stamp(ctx.os, copy, newSize - stampLength);
    return copy;
  }
  free() {
    const { ctx } = this;
    const total = this.chunks.length + this.huge.length;
    if (total === 0) return;
    const pick = ctx.rng.int(total);
    const list = pick < this.chunks.length ? this.chunks : this.huge;
    const index = pick < this.chunks.length ? pick : pick - this.chunks.length;
    const block = list[index];
    verifyStamps(ctx.os, block, "zend: block before free");
    ctx.munmap(block.start, block.size);
    ctx.removeLive(block.size);
    list.splice(index, 1);
  }
}
//# sourceMappingURL=zend.js.map
