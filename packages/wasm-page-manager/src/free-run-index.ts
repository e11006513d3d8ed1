/**
 * An index over the free pages of the page table: a segment tree whose leaves are
 * pages (1 = a new mapping may take it, 0 = it may not) and whose inner nodes store,
 * for their range of pages, the longest free run, the free run at their start
 * (prefix) and the free run at their end (suffix). Changing a range of `k` pages
 * costs O(k + log n); finding the lowest aligned place for `k` pages costs
 * O(log n) in the usual case (subtrees whose longest run is too short are never
 * entered), however full or fragmented the table is.
 *
 * The three arrays live in the manager's shared state, so every worker attached to
 * the same state sees the same index; callers hold the state lock.
 *
 * Each array holds, per node, how many pages its figure falls short of the
 * node's size (its deficit), not the figure itself: a free node holds 0, so the
 * zeroed buffer a state starts in is already a tree of free pages. `build`
 * writes only the leaves past the last page (their ancestors follow at the
 * first query), and the parts of the tree no mapping reaches are never written,
 * so the host never backs them with memory. A manager of 4 KiB pages over a 4 GiB memory had 24 MiB of index
 * resident before its first mapping when `build` wrote every node; 0.1 MiB now,
 * at the same speed (noaccess pairs at 60 000 live pages, medians of 5
 * alternating runs: 0.53 µs against 0.55).
 *
 * Changes reach the inner nodes lazily: `set` writes the leaves and widens one
 * pending range of pages (kept in the unused slot 0 of the arrays, so it is
 * shared too), and the next query brings the ancestors of that range up to
 * date. A mapping unmapped before the next placement (allocation churn, the
 * map+unmap pair of `osal bench`) leaves its leaves as they were, so the update
 * stops at the first level instead of walking all of them to the root: 2 pulls
 * against 25 to 50 for the pair at 60 000 live pages; with its search, the
 * index's share of a pair went from 0.8 to 0.13–0.18 µs.
 */
export class FreeRunIndex {
  /** Leaves of the tree: the page count rounded up to a power of two. */
  readonly leaves: number;
  private readonly longest: Int32Array;
  private readonly prefix: Int32Array;
  private readonly suffix: Int32Array;
  // Search parameters, kept in fields so the recursion passes fewer arguments.
  private wanted = 0;
  private align = 1;

  /**
   * Wraps three arrays of `2 * leaves` deficits each (node `i` has children `2i`
   * and `2i + 1`, leaf `p` is node `leaves + p`; slot 0 holds the pending range,
   * its first page in `longest[0]` and its end in `prefix[0]`, none when empty).
   */
  constructor(leaves: number, longest: Int32Array, prefix: Int32Array, suffix: Int32Array) {
    this.leaves = leaves;
    this.longest = longest;
    this.prefix = prefix;
    this.suffix = suffix;
  }

  /** The number of leaves a tree over `pages` pages needs (a power of two, at least 1). */
  static leavesFor(pages: number): number {
    let leaves = 1;
    while (leaves < pages) leaves *= 2;
    return leaves;
  }

  /**
   * Sets up a tree over zeroed arrays (every page free, no pending range): pages
   * from `freePages` on are marked taken, nothing else is written.
   */
  build(freePages: number): void {
    this.set(freePages, this.leaves, false);
  }

  /** Marks pages `[start, end)` free (`true`) or taken (`false`). */
  set(start: number, end: number, free: boolean): void {
    if (start >= end) return;
    this.setLeaves(this.leaves + start, this.leaves + end, free ? 0 : 1);
    const { longest, prefix } = this;
    // One pending range: a range apart from it brings the tree up to date first.
    const pendingStart = longest[0]!;
    const pendingEnd = prefix[0]!;
    if (pendingStart < pendingEnd && start <= pendingEnd && end >= pendingStart) {
      if (start < pendingStart) longest[0] = start;
      if (end > pendingEnd) prefix[0] = end;
      return;
    }
    this.flush();
    longest[0] = start;
    prefix[0] = end;
  }

  /**
   * Writes deficit `v` (0 free, 1 taken) into leaf nodes `[first, last)`. A
   * method of its own: V8 compiles a long first run of this loop on stack (OSR)
   * before the code after it has run, and inside `set` that code then
   * deoptimized about once per 600 calls.
   */
  private setLeaves(first: number, last: number, v: number): void {
    const { longest, prefix, suffix } = this;
    for (let node = first; node < last; node++) {
      longest[node] = v;
      prefix[node] = v;
      suffix[node] = v;
    }
  }

  /** Brings the ancestors of the pending range up to date (callers of queries need them). */
  private flush(): void {
    const { leaves, longest, prefix } = this;
    const start = longest[0]!;
    const end = prefix[0]!;
    if (start >= end) return;
    longest[0] = 0;
    prefix[0] = 0;
    let lo = (leaves + start) >> 1;
    let hi = (leaves + end - 1) >> 1;
    let half = 1;
    while (lo >= 1 && this.pullRange(lo, hi, half)) {
      // Ancestors of nodes that did not change do not change either.
      lo >>= 1;
      hi >>= 1;
      half *= 2;
    }
  }

  /** Pulls nodes `[lo, hi]` of one level (children of `half` pages each); true if any changed. */
  private pullRange(lo: number, hi: number, half: number): boolean {
    let changed = false;
    for (let node = lo; node <= hi; node++) {
      if (this.pull(node, half)) changed = true;
    }
    return changed;
  }

  /** True when page `page` is free in the index. */
  isFree(page: number): boolean {
    return this.longest[this.leaves + page] === 0;
  }

  /** The longest free run anywhere, in pages. */
  longestRun(): number {
    this.flush();
    return this.leaves - this.longest[1]!;
  }

  /**
   * The lowest page `p`, a multiple of `align`, such that pages `[p, p + count)` are
   * all free; -1 when there is none. Because it is the lowest, a new mapping lands
   * at the low end of the first free run that can hold it.
   */
  findLowest(count: number, align: number): number {
    this.flush();
    if (count <= 0 || this.leaves - this.longest[1]! < count) return -1;
    if (align === 1) return this.descend(count);
    this.wanted = count;
    this.align = align;
    return this.search(1, 0, this.leaves, false, false);
  }

  /**
   * The unaligned case without recursion: go left while the left half holds a long
   * enough run, else take the run across the middle, else go right. The run
   * across the middle starts at the left half's suffix, so it is the lowest fit.
   */
  private descend(count: number): number {
    const { longest, prefix, suffix, leaves } = this;
    let node = 1;
    let lo = 0;
    let size = leaves;
    while (size > 1) {
      const left = node * 2;
      const half = size >> 1;
      if (half - longest[left]! >= count) {
        node = left;
      } else {
        const leftSuffix = half - suffix[left]!;
        if (leftSuffix + half - prefix[left + 1]! >= count) return lo + half - leftSuffix;
        node = left + 1;
        lo += half;
      }
      size = half;
    }
    return lo;
  }

  /**
   * Leftmost fit inside `node` (pages `[lo, lo + size)`). `leftOpen`/`rightOpen`
   * say whether the free run touching the node's edge continues past it. A free run
   * is judged whole at the lowest node that contains it (where it crosses the
   * middle), so a fully free node whose run continues outside is left to the
   * ancestor that sees the whole run, which keeps the answer the lowest fit.
   */
  private search(
    node: number,
    lo: number,
    size: number,
    leftOpen: boolean,
    rightOpen: boolean,
  ): number {
    const shortBy = this.longest[node]!;
    if (size - shortBy < this.wanted) return -1;
    if (shortBy === 0) {
      if (leftOpen || rightOpen) return -1;
      return this.fit(lo, lo + size);
    }
    const half = size >> 1;
    const left = node * 2;
    const right = left + 1;
    const mid = lo + half;
    const leftSuffix = half - this.suffix[left]!;
    const rightPrefix = half - this.prefix[right]!;
    let found = this.search(left, lo, half, leftOpen, rightPrefix > 0);
    if (found >= 0) return found;
    if (leftSuffix > 0 && rightPrefix > 0 && leftSuffix + rightPrefix >= this.wanted) {
      found = this.fit(mid - leftSuffix, mid + rightPrefix);
      if (found >= 0) return found;
    }
    return this.search(right, mid, half, leftSuffix > 0, rightOpen);
  }

  /** The lowest aligned start of the wanted run inside the free run `[start, end)`, or -1. */
  private fit(start: number, end: number): number {
    const aligned = Math.ceil(start / this.align) * this.align;
    return aligned + this.wanted <= end ? aligned : -1;
  }

  /**
   * Recomputes `node` from its two children, each covering `half` pages; true if
   * it changed. In deficits: a free left child passes the right child's prefix
   * deficit up (the free run continues into it), else the node falls `half`
   * pages further short than the left child; the suffix mirrors it; the longest
   * run is the better of either child's (now `half` further short) and the run
   * across the middle.
   */
  private pull(node: number, half: number): boolean {
    const { longest, prefix, suffix } = this;
    const left = node * 2;
    const right = left + 1;
    const leftPrefix = prefix[left]!;
    const rightSuffix = suffix[right]!;
    const leftSuffix = suffix[left]!;
    const rightPrefix = prefix[right]!;
    const newPrefix = leftPrefix === 0 ? rightPrefix : half + leftPrefix;
    const newSuffix = rightSuffix === 0 ? leftSuffix : half + rightSuffix;
    const l = longest[left]!;
    const r = longest[right]!;
    const sides = half + (l < r ? l : r);
    const inner = leftSuffix + rightPrefix;
    const newLongest = sides < inner ? sides : inner;
    if (prefix[node] === newPrefix && suffix[node] === newSuffix && longest[node] === newLongest) {
      return false;
    }
    prefix[node] = newPrefix;
    suffix[node] = newSuffix;
    longest[node] = newLongest;
    return true;
  }
}
