import type {
  MadviseAdvice,
  MmapAnnotation,
  MmapProtection,
  MmapStrategy,
  OSMemory,
} from "@osal/core";
import { Prng } from "./prng.js";
import { type StampedRange, verifyZeros } from "./verification.js";

/**
 * What a workload runs against: the backend, the seeded generator, and the
 * bookkeeping every workload shares. Each memory call goes through a method here so
 * that `operations` counts exactly the calls made; `addLive`/`removeLive` keep the
 * live level and its peak at every instant, not only at samples.
 */
export class WorkloadContext {
  /** The backend under test. */
  readonly os: OSMemory;
  /** The source of every workload decision (what to do, which block, what size). */
  readonly rng: Prng;
  /**
   * The source of verification spot checks, kept apart from {@link WorkloadContext.rng}
   * so that a backend's answers (an in-place `mremap` or a fallback, a `fixed`
   * decommit or not) never change the decisions: on backends with the same page size
   * a seed makes the same workload.
   */
  readonly verifyRng: Prng;
  /** `os.pageSize`, read once. */
  readonly pageSize: number;
  /** Memory calls made so far. */
  operations = 0;
  /** Accessible bytes the workload holds mapped now. */
  liveBytes = 0;
  /** The highest {@link WorkloadContext.liveBytes} so far. */
  peakLiveBytes = 0;
  private nextTag = 1;

  constructor(os: OSMemory, seed: number) {
    this.os = os;
    this.rng = new Prng(seed);
    this.verifyRng = new Prng(seed + 0x5eed);
    this.pageSize = os.pageSize;
  }

  /** `size` rounded up to whole pages of this backend. */
  pages(size: number): number {
    return Math.ceil(size / this.pageSize) * this.pageSize;
  }

  /** A fresh tag for a new {@link StampedRange}. */
  tag(): number {
    return this.nextTag++;
  }

  /** A new, unstamped range record. */
  range(start: number, size: number): StampedRange {
    return { start, size, tag: this.tag(), stamps: [] };
  }

  /** Counts `bytes` more live memory. */
  addLive(bytes: number): void {
    this.liveBytes += bytes;
    if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
  }

  /** Counts `bytes` less live memory. */
  removeLive(bytes: number): void {
    this.liveBytes -= bytes;
  }

  /** `os.dzmmap`, counted. */
  dzmmap(start: number, size: number, strategy: MmapStrategy, annotation?: MmapAnnotation): void {
    this.operations++;
    this.os.dzmmap(start, size, strategy, annotation);
  }

  /** `os.dzmmapAnywhere`, counted. */
  dzmmapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number {
    this.operations++;
    return this.os.dzmmapAnywhere(size, align, strategy, annotation);
  }

  /** `os.dzmmapPreferred`, counted. */
  dzmmapPreferred(
    start: number,
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number {
    this.operations++;
    return this.os.dzmmapPreferred(start, size, align, strategy, annotation);
  }

  /** `os.munmap`, counted. */
  munmap(start: number, size: number): void {
    this.operations++;
    this.os.munmap(start, size);
  }

  /** `os.mremap`, counted. */
  mremap(start: number, oldSize: number, newSize: number, mayMove: boolean): number {
    this.operations++;
    return this.os.mremap(start, oldSize, newSize, { mayMove });
  }

  /** `os.setMemoryAccess`, counted. */
  setMemoryAccess(start: number, size: number, prot: MmapProtection): void {
    this.operations++;
    this.os.setMemoryAccess(start, size, prot);
  }

  /** `os.madvise`, counted. */
  madvise(start: number, size: number, advice: MadviseAdvice): void {
    this.operations++;
    this.os.madvise(start, size, advice);
  }

  /** Verifies that a range the workload just got reads as zeros (start, end, one random page). */
  expectZeros(start: number, size: number, what: string): void {
    verifyZeros(this.os, start, size, this.pageSize, (pages) => this.verifyRng.int(pages), what);
  }
}

/** One workload bound to a context: `step()` does one unit of work and throws on failure. */
export interface Workload {
  step(): void;
}

/** Sets up a workload (reservations etc.) and returns it; may throw like a step. */
export type WorkloadFactory = (context: WorkloadContext) => Workload;
