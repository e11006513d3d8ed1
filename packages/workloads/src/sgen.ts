import { MmapAnnotation, MmapStrategy } from "@osal/core";
import type { Workload, WorkloadContext } from "./context.js";
import { alignAtLeastPage, workloadSizes } from "./sizes.js";
import { type StampedRange, stampEnds, verifyStamps } from "./verification.js";

const sectionAnnotation = MmapAnnotation.space("sgen-section");

/**
 * Mono's sgen as an `OSMemory` client: many 1 MiB sections, each mapped aligned to
 * 1 MiB with `dzmmapAnywhere` (what `mono_valloc_aligned` gets), checked to read as
 * zeros, stamped, and later freed with `munmap`, one at a time or a quarter of them at
 * once (a major collection's sweep), so freed sections are remapped in random order.
 * Live sections stay under `sgenLiveCap`.
 */
export function sgenWorkload(context: WorkloadContext): Workload {
  return new Sgen(context);
}

class Sgen implements Workload {
  private readonly sectionSize: number;
  private readonly align: number;
  private readonly sections: StampedRange[] = [];

  constructor(private readonly ctx: WorkloadContext) {
    this.sectionSize = ctx.pages(workloadSizes.sgenSection);
    this.align = alignAtLeastPage(workloadSizes.sgenSection, ctx.pageSize);
  }

  step(): void {
    const { rng } = this.ctx;
    const room = this.ctx.liveBytes + this.sectionSize <= workloadSizes.sgenLiveCap;
    if (this.sections.length === 0 || (room && rng.chance(0.55))) this.alloc();
    else if (rng.chance(0.05)) this.sweep();
    else this.free(rng.int(this.sections.length));
  }

  private alloc(): void {
    const { ctx } = this;
    const start = ctx.dzmmapAnywhere(
      this.sectionSize,
      this.align,
      MmapStrategy.DEFAULT,
      sectionAnnotation,
    );
    ctx.addLive(this.sectionSize);
    ctx.expectZeros(start, this.sectionSize, "sgen: new section");
    const section = ctx.range(start, this.sectionSize);
    stampEnds(ctx.os, section);
    this.sections.push(section);
  }

  private sweep(): void {
    const count = Math.max(1, Math.floor(this.sections.length / 4));
    for (let i = 0; i < count; i++) this.free(this.ctx.rng.int(this.sections.length));
  }

  private free(index: number): void {
    const { ctx } = this;
    const section = this.sections[index]!;
    verifyStamps(ctx.os, section, "sgen: section before free");
    ctx.munmap(section.start, section.size);
    ctx.removeLive(section.size);
    this.sections.splice(index, 1);
  }
}
