import { Prng } from "./prng.js";
import { verifyZeros } from "./verification.js";
/**
 * What a workload runs against: the backend, the seeded generator, and the
 * bookkeeping every workload shares. Each memory call goes through a method here so
 * that `operations` counts exactly the calls made; `addLive`/`removeLive` keep the
 * live level and its peak at every instant, not only at samples.
 */
export class WorkloadContext {
  /** The backend under test. */
  os;
  /** The only source of randomness of a run. */
  rng;
  /** `os.pageSize`, read once. */
  pageSize;
  /** Memory calls made so far. */
  operations = 0;
  /** Accessible bytes the workload holds mapped now. */
  liveBytes = 0;
  /** The highest {@link WorkloadContext.liveBytes} so far. */
  peakLiveBytes = 0;
  nextTag = 1;
  constructor(os, seed) {
    this.os = os;
    this.rng = new Prng(seed);
    this.pageSize = os.pageSize;
  }
  /** `size` rounded up to whole pages of this backend. */
  pages(size) {
    return Math.ceil(size / this.pageSize) * this.pageSize;
  }
  /** A fresh tag for a new {@link StampedRange}. */
  tag() {
    return this.nextTag++;
  }
  /** A new, unstamped range record. */
  range(start, size) {
    return { start, size, tag: this.tag(), stamps: [] };
  }
  /** Counts `bytes` more live memory. */
  addLive(bytes) {
    this.liveBytes += bytes;
    if (this.liveBytes > this.peakLiveBytes) this.peakLiveBytes = this.liveBytes;
  }
  /** Counts `bytes` less live memory. */
  removeLive(bytes) {
    this.liveBytes -= bytes;
  }
  /** `os.dzmmap`, counted. */
  dzmmap(start, size, strategy, annotation) {
    this.operations++;
    this.os.dzmmap(start, size, strategy, annotation);
  }
  /** `os.dzmmapAnywhere`, counted. */
  dzmmapAnywhere(size, align, strategy, annotation) {
    this.operations++;
    return this.os.dzmmapAnywhere(size, align, strategy, annotation);
  }
  /** `os.dzmmapPreferred`, counted. */
  dzmmapPreferred(start, size, align, strategy, annotation) {
    this.operations++;
    return this.os.dzmmapPreferred(start, size, align, strategy, annotation);
  }
  /** `os.munmap`, counted. */
  munmap(start, size) {
    this.operations++;
    this.os.munmap(start, size);
  }
  /** `os.mremap`, counted. */
  mremap(start, oldSize, newSize, mayMove) {
    this.operations++;
    return this.os.mremap(start, oldSize, newSize, { mayMove });
  }
  /** `os.setMemoryAccess`, counted. */
  setMemoryAccess(start, size, prot) {
    this.operations++;
    this.os.setMemoryAccess(start, size, prot);
  }
  /** `os.madvise`, counted. */
  madvise(start, size, advice) {
    this.operations++;
    this.os.madvise(start, size, advice);
  }
  /** Verifies that a range the workload just got reads as zeros (start, end, one random page). */
  expectZeros(start, size, what) {
    verifyZeros(this.os, start, size, this.pageSize, (pages) => this.rng.int(pages), what);
  }
}
//# sourceMappingURL=context.js.map
