import { MmapAnnotation, MmapProtection, MmapStrategy } from "@osal/core";
import type { Workload, WorkloadContext } from "./context.js";
import { alignAtLeastPage, workloadSizes } from "./sizes.js";
import {
  dropStampsIn,
  type StampedRange,
  stamp,
  stampLength,
  verifyStamps,
} from "./verification.js";

const reserveAnnotation = MmapAnnotation.space("coreclr-gc");

/**
 * CoreCLR's GC PAL (`GCToOSInterface`) as an `OSMemory` client. `VirtualReserve`:
 * one range of `coreclrRegions` regions (4 MiB, aligned) mapped `QUARANTINE`
 * (`NoAccess`, no reserve). Inside it the GC commits and decommits runs of 16 KiB
 * units (rounded up to the page size): each region grows its committed prefix as it
 * allocates and decommits its tail (or all of it) when it shrinks or is freed.
 * - `VirtualCommit`: `setMemoryAccess(ReadWrite)`; the pages must read as zeros.
 * - `VirtualDecommit`: like `gcenv.unix.cpp`, a `MAP_FIXED` `PROT_NONE` re-map when
 *   the backend has `capabilities.fixed`, else `madvise(dontneed)` then
 *   `setMemoryAccess(NoAccess)`.
 * - `VirtualReset`: `madvise(dontneed)` on a committed run, which must then read as
 *   zeros while staying committed.
 * Live bytes are the committed bytes, kept under `coreclrLiveCap`; the reservation
 * itself is not live, so a backend where reserve == commit shows it in its ratio.
 */
export function coreclrWorkload(context: WorkloadContext): Workload {
  return new CoreClr(context);
}

class CoreClr implements Workload {
  private readonly unit: number;
  private readonly regionSize: number;
  private readonly regions: StampedRange[] = [];
  /** Committed prefix of each region, in bytes. */
  private readonly committed: number[] = [];

  constructor(private readonly ctx: WorkloadContext) {
    this.unit = ctx.pages(workloadSizes.coreclrCommitUnit);
    this.regionSize = Math.ceil(workloadSizes.coreclrRegion / this.unit) * this.unit;
    const align = alignAtLeastPage(this.regionSize, ctx.pageSize);
    const count = workloadSizes.coreclrRegions;
    const base = ctx.dzmmapAnywhere(
      this.regionSize * count,
      align,
      MmapStrategy.QUARANTINE,
      reserveAnnotation,
    );
    for (let i = 0; i < count; i++) {
      this.regions.push(ctx.range(base + i * this.regionSize, this.regionSize));
      this.committed.push(0);
    }
  }

  step(): void {
    const roll = this.ctx.rng.next();
    if (roll < 0.55) this.commit();
    else if (roll < 0.85) this.decommit();
    else this.reset();
  }

  private pickRegion(where: (index: number) => boolean): number | undefined {
    const candidates: number[] = [];
    for (let i = 0; i < this.regions.length; i++) if (where(i)) candidates.push(i);
    return candidates.length === 0 ? undefined : this.ctx.rng.pick(candidates);
  }

  private commit(): void {
    const { ctx, unit } = this;
    // Prefer growing a region already in use, as the allocator does.
    const growing = ctx.rng.chance(0.7)
      ? this.pickRegion((i) => this.committed[i]! > 0 && this.committed[i]! < this.regionSize)
      : undefined;
    const index = growing ?? this.pickRegion((i) => this.committed[i]! < this.regionSize);
    if (index === undefined) {
      this.decommit();
      return;
    }
    const region = this.regions[index]!;
    const from = this.committed[index]!;
    const units = Math.min(ctx.rng.range(1, 16), (this.regionSize - from) / unit);
    const size = units * unit;
    if (ctx.liveBytes + size > workloadSizes.coreclrLiveCap) {
      this.decommit();
      return;
    }
    ctx.setMemoryAccess(region.start + from, size, MmapProtection.ReadWrite);
    ctx.addLive(size);
    this.committed[index] = from + size;
    ctx.expectZeros(region.start + from, size, "coreclr: newly committed pages");
    stamp(ctx.os, region, from);
    stamp(ctx.os, region, from + size - stampLength);
  }

  private decommit(): void {
    const { ctx, unit } = this;
    const index = this.pickRegion((i) => this.committed[i]! > 0);
    if (index === undefined) return;
    const region = this.regions[index]!;
    const committed = this.committed[index]!;
    const units = ctx.rng.chance(0.2) ? committed / unit : ctx.rng.range(1, committed / unit);
    const from = committed - units * unit;
    verifyStamps(ctx.os, region, "coreclr: region before decommit");
    this.virtualDecommit(region.start + from, committed - from);
    ctx.removeLive(committed - from);
    this.committed[index] = from;
    dropStampsIn(region, from, committed);
    verifyStamps(ctx.os, region, "coreclr: region after decommitting its tail");
  }

  private virtualDecommit(start: number, size: number): void {
    const { ctx } = this;
    if (ctx.os.capabilities.fixed) {
      ctx.dzmmap(start, size, MmapStrategy.QUARANTINE.withReplace(true), reserveAnnotation);
    } else {
      ctx.madvise(start, size, "dontneed");
      ctx.setMemoryAccess(start, size, MmapProtection.NoAccess);
    }
  }

  private reset(): void {
    const { ctx, unit } = this;
    const index = this.pickRegion((i) => this.committed[i]! > 0);
    if (index === undefined) {
      this.commit();
      return;
    }
    const region = this.regions[index]!;
    const units = this.committed[index]! / unit;
    const first = ctx.rng.int(units);
    const count = ctx.rng.range(1, units - first);
    const from = first * unit;
    const to = from + count * unit;
    ctx.madvise(region.start + from, to - from, "dontneed");
    ctx.expectZeros(region.start + from, to - from, "coreclr: pages after VirtualReset");
    dropStampsIn(region, from, to);
    verifyStamps(ctx.os, region, "coreclr: region around a VirtualReset");
    stamp(ctx.os, region, from);
  }
}
