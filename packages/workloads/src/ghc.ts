import { MmapAnnotation, MmapStrategy } from "@osal/core";
import type { Workload, WorkloadContext } from "./context.js";
import { alignAtLeastPage, workloadSizes } from "./sizes.js";
import { type StampedRange, stampEnds, verifyStamps } from "./verification.js";

const megablockAnnotation = MmapAnnotation.space("ghc-megablocks");

/** A run of free megablocks on the RTS free list. */
interface FreeRun {
  start: number;
  size: number;
}

/**
 * GHC's block allocator (`getMBlocks`/`freeMBlocks`) as an `OSMemory` client. The
 * mutator asks for groups of 1..`ghcMaxGroup` megablocks (1 MiB, aligned; mostly
 * single ones). The RTS keeps freed megablocks on its own free list, sorted and
 * coalesced, and serves requests from it first-fit before asking the OS
 * (`dzmmapAnywhere` aligned to the megablock). Reused megablocks are not zeroed
 * (GHC does not need it); fresh ones must read as zeros. When the free list holds
 * more than `ghcFreeRetain`, and now and then after a "major GC", the RTS returns
 * free megablocks to the OS with `munmap` (`returnMemoryToOS`), highest first.
 * Live bytes are the groups in use plus the free list: both stay mapped.
 */
export function ghcWorkload(context: WorkloadContext): Workload {
  return new Ghc(context);
}

class Ghc implements Workload {
  private readonly megablock: number;
  private readonly align: number;
  private readonly groups: StampedRange[] = [];
  private readonly freeList: FreeRun[] = [];
  private inUseBytes = 0;
  private freeBytes = 0;

  constructor(private readonly ctx: WorkloadContext) {
    this.megablock = ctx.pages(workloadSizes.ghcMegablock);
    this.align = alignAtLeastPage(workloadSizes.ghcMegablock, ctx.pageSize);
  }

  step(): void {
    const { rng } = this.ctx;
    if (this.groups.length === 0 || rng.chance(0.55)) this.alloc();
    else this.free();
    if (rng.chance(0.03)) this.returnMemoryToOS(0);
  }

  private alloc(): void {
    const { ctx } = this;
    const count = ctx.rng.chance(0.7) ? 1 : ctx.rng.range(2, workloadSizes.ghcMaxGroup);
    const size = count * this.megablock;
    if (this.inUseBytes + size > workloadSizes.ghcLiveCap) {
      this.free();
      return;
    }
    const reused = this.takeFromFreeList(size);
    let group: StampedRange;
    if (reused !== undefined) {
      group = ctx.range(reused, size);
    } else {
      const start = ctx.dzmmapAnywhere(size, this.align, MmapStrategy.DEFAULT, megablockAnnotation);
      ctx.addLive(size);
      ctx.expectZeros(start, size, "ghc: megablocks from the OS");
      group = ctx.range(start, size);
    }
    this.inUseBytes += size;
    stampEnds(ctx.os, group);
    this.groups.push(group);
  }

  private takeFromFreeList(size: number): number | undefined {
    const index = this.freeList.findIndex((run) => run.size >= size);
    if (index < 0) return undefined;
    const run = this.freeList[index]!;
    const start = run.start;
    if (run.size === size) this.freeList.splice(index, 1);
    else {
      run.start += size;
      run.size -= size;
    }
    this.freeBytes -= size;
    return start;
  }

  private free(): void {
    const { ctx } = this;
    if (this.groups.length === 0) return;
    const index = ctx.rng.int(this.groups.length);
    const group = this.groups[index]!;
    verifyStamps(ctx.os, group, "ghc: megablock group before free");
    this.groups.splice(index, 1);
    this.inUseBytes -= group.size;
    this.addToFreeList(group.start, group.size);
    if (this.freeBytes > workloadSizes.ghcFreeRetain) {
      this.returnMemoryToOS(workloadSizes.ghcFreeRetain / 4);
    }
  }

  private addToFreeList(start: number, size: number): void {
    const list = this.freeList;
    let i = 0;
    while (i < list.length && list[i]!.start < start) i++;
    list.splice(i, 0, { start, size });
    this.freeBytes += size;
    // Coalesce with the next run, then with the previous one.
    const run = list[i]!;
    const next = list[i + 1];
    if (next !== undefined && run.start + run.size === next.start) {
      run.size += next.size;
      list.splice(i + 1, 1);
    }
    const previous = list[i - 1];
    if (previous !== undefined && previous.start + previous.size === run.start) {
      previous.size += run.size;
      list.splice(i, 1);
    }
  }

  /** Unmaps free megablocks, highest address first, until at most `keep` bytes are free. */
  private returnMemoryToOS(keepBytes: number): void {
    const { ctx } = this;
    const keep = Math.floor(keepBytes / this.megablock) * this.megablock;
    while (this.freeBytes > keep && this.freeList.length > 0) {
      const run = this.freeList[this.freeList.length - 1]!;
      const release = Math.min(run.size, this.freeBytes - keep);
      ctx.munmap(run.start + run.size - release, release);
      ctx.removeLive(release);
      this.freeBytes -= release;
      run.size -= release;
      if (run.size === 0) this.freeList.pop();
    }
  }
}
