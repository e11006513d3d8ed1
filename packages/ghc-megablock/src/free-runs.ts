/** A run of consecutive free megablocks, `[start, end)` in megablock numbers. */
export interface FreeRun {
  readonly start: number;
  readonly end: number;
}

/**
 * The free list: runs of free megablocks kept sorted by address and always
 * coalesced (no two runs touch), so a freed range merges with its neighbours at
 * once and one run can serve any request that fits in the space it covers.
 * Numbers are megablock indices, not bytes. Lookups are binary searches; a scan
 * for a fit visits runs in address order (first fit).
 */
export class FreeRuns {
  private readonly starts: number[] = [];
  private readonly ends: number[] = [];
  private total = 0;

  /** How many runs there are. */
  get length(): number {
    return this.starts.length;
  }

  /** How many megablocks are free in all. */
  get freeCount(): number {
    return this.total;
  }

  /** The runs, lowest address first. */
  runs(): FreeRun[] {
    return this.starts.map((start, i) => ({ start, end: this.ends[i]! }));
  }

  /** The highest run, if any. */
  last(): FreeRun | undefined {
    const i = this.starts.length - 1;
    return i < 0 ? undefined : { start: this.starts[i]!, end: this.ends[i]! };
  }

  /**
   * Adds the megablocks `[start, end)`, which must not overlap a free run,
   * merging with the run before and after when they touch.
   */
  insert(start: number, end: number): void {
    if (end <= start) return;
    const i = this.upperBound(start);
    const mergesBefore = i > 0 && this.ends[i - 1] === start;
    const mergesAfter = i < this.starts.length && this.starts[i] === end;
    if (mergesBefore && mergesAfter) {
      this.ends[i - 1] = this.ends[i]!;
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
    } else if (mergesBefore) {
      this.ends[i - 1] = end;
    } else if (mergesAfter) {
      this.starts[i] = start;
    } else {
      this.starts.splice(i, 0, start);
      this.ends.splice(i, 0, end);
    }
    this.total += end - start;
  }

  /**
   * Takes `[start, end)` out of the free list; it must lie inside one run. The
   * rest of that run stays free (split in two when the range is in its middle).
   */
  remove(start: number, end: number): void {
    if (end <= start) return;
    const i = this.upperBound(start) - 1;
    const runStart = this.starts[i];
    const runEnd = this.ends[i];
    if (runStart === undefined || runEnd === undefined || end > runEnd) {
      throw new RangeError(`megablocks [${start}, ${end}) are not one free run`);
    }
    if (runStart === start && runEnd === end) {
      this.starts.splice(i, 1);
      this.ends.splice(i, 1);
    } else if (runStart === start) {
      this.starts[i] = end;
    } else if (runEnd === end) {
      this.ends[i] = start;
    } else {
      this.ends[i] = start;
      this.starts.splice(i + 1, 0, end);
      this.ends.splice(i + 1, 0, runEnd);
    }
    this.total -= end - start;
  }

  /**
   * The lowest start, a multiple of `align` (in megablocks), of `count` free
   * megablocks inside one run: address-ordered first fit. `undefined` if none.
   */
  firstFit(count: number, align: number): number | undefined {
    if (count > this.total) return undefined;
    for (let i = 0; i < this.starts.length; i++) {
      const start = Math.ceil(this.starts[i]! / align) * align;
      if (start + count <= this.ends[i]!) return start;
    }
    return undefined;
  }

  /** True when every megablock of `[start, end)` is free. */
  covers(start: number, end: number): boolean {
    const i = this.upperBound(start) - 1;
    return i >= 0 && this.ends[i]! >= end;
  }

  /** Index of the first run starting after `index` (runs before it start at or below). */
  private upperBound(index: number): number {
    let lo = 0;
    let hi = this.starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
