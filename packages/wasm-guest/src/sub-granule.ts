import { alignDown, alignUp, type OSMemory } from "@osal/core";
import { LINUX_PAGE_SIZE } from "./linux-abi.js";

/**
 * Note [Sub-granule munmap on coarse backends]
 *
 * A guest sees the backend's granule from `getpagesize()` and
 * `sysconf(_SC_PAGESIZE)`, but much C code hard-codes Linux's 4 KiB page: it
 * over-maps and trims head and tail in 4 KiB steps (PHP's zend_alloc), or
 * frees a 4 KiB tail. On a backend whose granule is coarser (ghc-megablock's
 * 1 MiB megablocks, the page manager's 64 KiB pages) each such `munmap` used
 * to fail with `EINVAL` and the memory leaked for good.
 *
 * The rule: `munmap` accepts any 4 KiB-aligned range. Whole granules inside
 * it are unmapped at once; for a granule it covers only in part, the 4 KiB
 * pages it covers are recorded as released, and the granule is unmapped when
 * its last 4 KiB page is released. An `mmap` (or `mremap`) whose length is not
 * a whole number of granules records the rest of its last granule as released
 * already, so `mmap(4 KiB)` + `munmap(4 KiB)` returns the whole granule. Until
 * its last page goes, a partly released granule stays mapped (its bytes are
 * counted in the backend's footprint, and keep their contents): the cost is at
 * most one granule per end of a live mapping, never a leak. Rejected: rounding
 * the range inward silently (the partial granules would never be freed: the
 * 1.8 GiB leak of PHP on 1 MiB megablocks) and rounding outward (it would
 * unmap a neighbour's live bytes).
 *
 * Addresses of `mmap` with `MAP_FIXED`, of `mremap`, `mprotect` and `madvise`
 * still need the backend's granule (`EINVAL`): their effect cannot be limited
 * to part of a granule.
 */
export class ReleasedPages {
  readonly #released = new Map<number, Set<number>>();

  /** Forgets what was recorded for the granules of `[start, end)` (they were (re)mapped or unmapped whole). */
  forget(granule: number, start: number, end: number): void {
    if (this.#released.size === 0) return;
    for (const key of this.#released.keys()) {
      if (key + granule > start && key < end) this.#released.delete(key);
    }
  }

  /**
   * After a mapping of `length` bytes (a whole number of granules `size`) was
   * made at `start`: the 4 KiB pages past the length in the last granule are
   * released already.
   */
  mapped(os: OSMemory, start: number, length: number, size: number): void {
    const granule = os.pageSize;
    this.forget(granule, start, start + size);
    const used = alignUp(length, LINUX_PAGE_SIZE);
    if (granule <= LINUX_PAGE_SIZE || used === size) return;
    this.#release(os, start + used, start + size);
  }

  /**
   * `munmap(addr, length)` with `addr` 4 KiB-aligned: unmaps the whole
   * granules inside and records the 4 KiB pages of partly covered granules,
   * unmapping a granule once all its pages are released.
   */
  unmap(os: OSMemory, addr: number, length: number): void {
    const granule = os.pageSize;
    const end = addr + alignUp(length, LINUX_PAGE_SIZE);
    const first = alignUp(addr, granule);
    const last = alignDown(end, granule);
    if (first < last) {
      os.munmap(first, last - first);
      this.forget(granule, first, last);
    }
    if (first >= last) {
      this.#release(os, addr, end);
      return;
    }
    if (addr < first) this.#release(os, addr, first);
    if (last < end) this.#release(os, last, end);
  }

  /** Records `[from, to)` (4 KiB-aligned, within mapped granules) as released, unmapping granules left empty. */
  #release(os: OSMemory, from: number, to: number): void {
    const granule = os.pageSize;
    const perGranule = granule / LINUX_PAGE_SIZE;
    for (let g = alignDown(from, granule); g < to; g += granule) {
      if (!isMapped(os, g, granule)) continue;
      let pages = this.#released.get(g);
      if (pages === undefined) {
        pages = new Set();
        this.#released.set(g, pages);
      }
      const lo = Math.max(from, g);
      const hi = Math.min(to, g + granule);
      for (let p = lo; p < hi; p += LINUX_PAGE_SIZE) pages.add((p - g) / LINUX_PAGE_SIZE);
      if (pages.size === perGranule) {
        os.munmap(g, granule);
        this.#released.delete(g);
      }
    }
  }
}

function isMapped(os: OSMemory, start: number, size: number): boolean {
  try {
    os.panicIfUnmapped(start, size);
    return true;
  } catch {
    return false;
  }
}
