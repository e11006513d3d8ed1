import type { FreePageIndex, FreePageIndexLayout } from "@osal/linear-memory";

/** Words of a free-run region ahead of its two arrays: the run count and the free total. */
const FREE_RUN_COUNTERS = 2;

/** A run of consecutive free megablocks, `[start, end)` in megablock numbers. */
export interface FreeRun {
  readonly start: number;
  readonly end: number;
}

const COUNT = 0;
const TOTAL = 1;

/**
 * The free list: runs of free megablocks kept sorted by address and always
 * coalesced (no two runs touch), so a freed range merges with its neighbours at
 * once and one run can serve any request that fits in the space it covers.
 * Numbers are megablock indices, not bytes. Lookups are binary searches; a scan
 * for a fit visits runs in address order (first fit). The runs live in one
 * `Int32Array` (the run count, the free total, then the starts and the ends),
 * a region of the shared state, so every worker attached to it sees one list.
 */
export class FreeRuns implements FreePageIndex {
  private readonly words: Int32Array;
  private readonly starts: Int32Array;
  private readonly ends: Int32Array;

  /**
   * The free list stored in `words` (a region of the shared state, see
   * {@link FREE_RUNS_LAYOUT}); without it,
   * a list of its own with room for `capacity` runs.
   */
  constructor(words?: Int32Array, capacity = 1024) {
    this.words = words ?? new Int32Array(FREE_RUN_COUNTERS + 2 * capacity);
    const runs = (this.words.length - FREE_RUN_COUNTERS) >> 1;
    this.starts = this.words.subarray(FREE_RUN_COUNTERS, FREE_RUN_COUNTERS + runs);
    this.ends = this.words.subarray(FREE_RUN_COUNTERS + runs, FREE_RUN_COUNTERS + 2 * runs);
  }

  /** How many runs there are. */
  get length(): number {
    return this.words[COUNT]!;
  }

  /** How many megablocks are free in all. */
  get freeCount(): number {
    return this.words[TOTAL]!;
  }

  /** The runs, lowest address first. */
  runs(): FreeRun[] {
    return Array.from({ length: this.length }, (_, i) => ({
      start: this.starts[i]!,
      end: this.ends[i]!,
    }));
  }

  /** The highest run, if any. */
  last(): FreeRun | undefined {
    const i = this.length - 1;
    return i < 0 ? undefined : { start: this.starts[i]!, end: this.ends[i]! };
  }

  /**
   * Adds the megablocks `[start, end)`, which must not overlap a free run,
   * merging with the run before and after when they touch.
   */
  insert(start: number, end: number): void {
    if (end <= start) return;
    const n = this.length;
    const i = this.upperBound(start);
    const mergesBefore = i > 0 && this.ends[i - 1] === start;
    const mergesAfter = i < n && this.starts[i] === end;
    if (mergesBefore && mergesAfter) {
      this.ends[i - 1] = this.ends[i]!;
      this.cut(i);
    } else if (mergesBefore) {
      this.ends[i - 1] = end;
    } else if (mergesAfter) {
      this.starts[i] = start;
    } else {
      this.open(i, start, end);
    }
    this.words[TOTAL]! += end - start;
  }

  /**
   * The engine's view (`FreePageIndex`): pages `[start, end)` became free
   * (placeable: free, or unclaimed past the frontier) or taken, whatever they
   * were before.
   */
  set(start: number, end: number, free: boolean): void {
    this.clear(start, end);
    if (free) this.insert(start, end);
  }

  /** Takes every free megablock of `[start, end)` out of the list. */
  private clear(start: number, end: number): void {
    let i = Math.max(this.upperBound(start) - 1, 0);
    while (i < this.length && this.starts[i]! < end) {
      const runStart = this.starts[i]!;
      const runEnd = this.ends[i]!;
      if (runEnd <= start) {
        i++;
        continue;
      }
      const from = Math.max(runStart, start);
      const to = Math.min(runEnd, end);
      this.words[TOTAL]! -= to - from;
      if (runStart < start && runEnd > end) {
        this.ends[i] = start;
        this.open(i + 1, end, runEnd);
        return;
      }
      if (runStart < start) {
        this.ends[i] = start;
        i++;
      } else if (runEnd > end) {
        this.starts[i] = end;
        return;
      } else {
        this.cut(i);
      }
    }
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
    if (i < 0 || runStart === undefined || runEnd === undefined || end > runEnd) {
      throw new RangeError(`megablocks [${start}, ${end}) are not one free run`);
    }
    if (runStart === start && runEnd === end) {
      this.cut(i);
    } else if (runStart === start) {
      this.starts[i] = end;
    } else if (runEnd === end) {
      this.ends[i] = start;
    } else {
      this.ends[i] = start;
      this.open(i + 1, end, runEnd);
    }
    this.words[TOTAL]! -= end - start;
  }

  /**
   * The lowest start, a multiple of `align` (in megablocks), of `count` free
   * megablocks inside one run, ending at or below `limit`: address-ordered
   * first fit. `undefined` if none.
   */
  firstFit(count: number, align: number, limit = Number.POSITIVE_INFINITY): number | undefined {
    if (count > this.freeCount) return undefined;
    const n = this.length;
    for (let i = 0; i < n; i++) {
      const start = Math.ceil(this.starts[i]! / align) * align;
      if (start + count <= Math.min(this.ends[i]!, limit)) return start;
    }
    return undefined;
  }

  /** True when every megablock of `[start, end)` is free. */
  covers(start: number, end: number): boolean {
    const i = this.upperBound(start) - 1;
    return i >= 0 && this.ends[i]! >= end;
  }

  /** Inserts run `[start, end)` at position `i`, shifting the later runs up. */
  private open(i: number, start: number, end: number): void {
    const n = this.length;
    if (n === this.starts.length) throw new RangeError("the free-run list is full");
    this.starts.copyWithin(i + 1, i, n);
    this.ends.copyWithin(i + 1, i, n);
    this.starts[i] = start;
    this.ends[i] = end;
    this.words[COUNT] = n + 1;
  }

  /** Removes the run at position `i`, shifting the later runs down. */
  private cut(i: number): void {
    const n = this.length;
    this.starts.copyWithin(i, i + 1, n);
    this.ends.copyWithin(i, i + 1, n);
    this.words[COUNT] = n - 1;
  }

  /** Index of the first run starting after `index` (runs before it start at or below). */
  private upperBound(index: number): number {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= index) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/**
 * The free runs as the engine's free-page index, kept in the state buffer: room
 * for every run there can be (runs never touch and page 0 is never free, so at
 * most half the pages plus one). A fresh state starts with every page free
 * (placeable by growing); the engine then takes out what is in use.
 */
export const FREE_RUNS_LAYOUT: FreePageIndexLayout<FreeRuns> = Object.freeze({
  words: (totalPages: number) => FREE_RUN_COUNTERS + 2 * ((totalPages >> 1) + 1),
  view: (words: Int32Array, totalPages: number, fresh: boolean) => {
    const runs = new FreeRuns(words);
    if (fresh) runs.insert(0, totalPages);
    return runs;
  },
});
