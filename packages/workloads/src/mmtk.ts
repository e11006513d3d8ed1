import { MmapAnnotation, MmapStrategy } from "@osal/core";
import type { Workload, WorkloadContext } from "./context.js";
import { alignAtLeastPage, workloadSizes } from "./sizes.js";
import { type StampedRange, stampEnds, verifyStamps } from "./verification.js";

const heapAnnotation = MmapAnnotation.space("mmtk-heap");
const metaAnnotation = MmapAnnotation.sidemeta("mmtk-heap", "mark-bits");
const mapFixed = MmapStrategy.DEFAULT.withReplace(true);
const quarantineFixed = MmapStrategy.QUARANTINE.withReplace(true);

/**
 * MMTk's heap setup as an `OSMemory` client. It quarantines a heap range of
 * `mmtkHeapChunks` chunks (4 MiB, aligned; `QUARANTINE`: `NoAccess`, no reserve) and,
 * with `dzmmapPreferred` right after it, the side metadata range (one byte per
 * `mmtkMetadataRatio` heap bytes). Then chunks are mapped at their fixed addresses
 * inside the quarantine with `replace` (`MAP_FIXED`), together with the metadata
 * pages that cover them, and released again by quarantining them anew (so the
 * addresses stay held). A metadata page shared by live chunks stays mapped; a
 * released chunk's metadata is cleared first, as MMTk's `bzero_metadata` does.
 * A backend that cannot map at a fixed address (`ENOTSUP`) fails the run: MMTk has
 * no fallback. Live bytes are the mapped chunks and metadata pages.
 */
export function mmtkWorkload(context: WorkloadContext): Workload {
  return new Mmtk(context);
}

class Mmtk implements Workload {
  private readonly chunkSize: number;
  private readonly sliceSize: number;
  private readonly heapStart: number;
  private readonly metaStart: number;
  /** Mapped chunk (and its metadata slice) by chunk index. */
  private readonly chunks = new Map<number, { chunk: StampedRange; meta: StampedRange }>();
  /** Live chunks using each metadata page, by page index within the metadata range. */
  private readonly metaPageUsers = new Map<number, number>();

  constructor(private readonly ctx: WorkloadContext) {
    this.chunkSize = ctx.pages(workloadSizes.mmtkChunk);
    this.sliceSize = this.chunkSize / workloadSizes.mmtkMetadataRatio;
    const heapSize = this.chunkSize * workloadSizes.mmtkHeapChunks;
    const metaSize = ctx.pages(this.sliceSize * workloadSizes.mmtkHeapChunks);
    const align = alignAtLeastPage(this.chunkSize, ctx.pageSize);
    this.heapStart = ctx.dzmmapAnywhere(heapSize, align, MmapStrategy.QUARANTINE, heapAnnotation);
    this.metaStart = ctx.dzmmapPreferred(
      this.heapStart + heapSize,
      metaSize,
      ctx.pageSize,
      MmapStrategy.QUARANTINE,
      metaAnnotation,
    );
  }

  step(): void {
    const { rng } = this.ctx;
    const room = this.chunks.size < workloadSizes.mmtkLiveChunks;
    if (this.chunks.size === 0 || (room && rng.chance(0.55))) this.mapChunk();
    else this.releaseChunk();
  }

  /** The metadata pages (indices) the slice of chunk `index` lies on. */
  private metaPages(index: number): number[] {
    const page = this.ctx.pageSize;
    const from = Math.floor((index * this.sliceSize) / page);
    const to = Math.ceil(((index + 1) * this.sliceSize) / page);
    const pages: number[] = [];
    for (let p = from; p < to; p++) pages.push(p);
    return pages;
  }

  private mapChunk(): void {
    const { ctx } = this;
    const free: number[] = [];
    for (let i = 0; i < workloadSizes.mmtkHeapChunks; i++) if (!this.chunks.has(i)) free.push(i);
    const index = ctx.rng.pick(free);
    const start = this.heapStart + index * this.chunkSize;
    ctx.dzmmap(start, this.chunkSize, mapFixed, heapAnnotation);
    ctx.addLive(this.chunkSize);
    ctx.expectZeros(start, this.chunkSize, "mmtk: chunk mapped over the quarantine");
    const chunk = ctx.range(start, this.chunkSize);
    stampEnds(ctx.os, chunk);

    const pages = this.metaPages(index);
    const fresh = pages.filter((p) => (this.metaPageUsers.get(p) ?? 0) === 0);
    this.forEachRun(fresh, (first, count) => {
      ctx.dzmmap(
        this.metaStart + first * ctx.pageSize,
        count * ctx.pageSize,
        mapFixed,
        metaAnnotation,
      );
      ctx.addLive(count * ctx.pageSize);
    });
    for (const p of pages) this.metaPageUsers.set(p, (this.metaPageUsers.get(p) ?? 0) + 1);
    const metaAddress = this.metaStart + index * this.sliceSize;
    ctx.expectZeros(metaAddress, this.sliceSize, "mmtk: side metadata of a new chunk");
    const meta = ctx.range(metaAddress, this.sliceSize);
    stampEnds(ctx.os, meta);
    this.chunks.set(index, { chunk, meta });
  }

  private releaseChunk(): void {
    const { ctx } = this;
    const index = ctx.rng.pick([...this.chunks.keys()].sort((a, b) => a - b));
    const { chunk, meta } = this.chunks.get(index)!;
    verifyStamps(ctx.os, chunk, "mmtk: chunk before release");
    verifyStamps(ctx.os, meta, "mmtk: side metadata before release");
    ctx.dzmmap(chunk.start, chunk.size, quarantineFixed, heapAnnotation);
    ctx.removeLive(chunk.size);
    ctx.os.fill(meta.start, meta.size, 0);
    const released: number[] = [];
    for (const p of this.metaPages(index)) {
      const users = (this.metaPageUsers.get(p) ?? 0) - 1;
      if (users === 0) {
        this.metaPageUsers.delete(p);
        released.push(p);
      } else this.metaPageUsers.set(p, users);
    }
    this.forEachRun(released, (first, count) => {
      ctx.dzmmap(
        this.metaStart + first * ctx.pageSize,
        count * ctx.pageSize,
        quarantineFixed,
        metaAnnotation,
      );
      ctx.removeLive(count * ctx.pageSize);
    });
    this.chunks.delete(index);
  }

  /** Calls `body` once per run of consecutive indices in the sorted list `pages`. */
  private forEachRun(pages: readonly number[], body: (first: number, count: number) => void): void {
    let i = 0;
    while (i < pages.length) {
      let j = i + 1;
      while (j < pages.length && pages[j] === pages[j - 1]! + 1) j++;
      body(pages[i]!, j - i);
      i = j;
    }
  }
}
