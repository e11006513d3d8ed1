/*
 * Note [Growth past 512 MiB] and Note [Placement measured] (issue 17)
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * Growth. With the policy of Note [Growth policy] (an eighth, 1–64 MiB) the
 * 60 000-page table build still spent 64–81 % of its time in memory.grow. The
 * cause is V8: a grow counts the new buffer's whole length as external memory
 * while the detached old one is still counted, so above about 64 MiB nearly
 * every grow starts a mark-compact, and above half the heap limit (2 GiB here)
 * every grow forces a memory-reducing full GC (5–60 ms); the 64 MiB cap made 50
 * of the 94 calls land above 512 MiB. Core's DEFAULT_GROWTH now doubles the
 * memory from 512 MiB on (`doublingFrom`): 47 calls, 3 of them above 512 MiB.
 * One run, `node packages/wasm-page-manager/bench/growth-figures.mjs --runs 2
 * --exact --workloads` (load average 13–16 on 2 cores): build 370–522 ms,
 * memory.grow 33–43 %; the 1b08399 default 905–990 ms, 64–79 %; exact growth
 * 674 298 ms, 99.8 % (1290× slower than the default). An earlier run of the
 * first two rows (`--runs 3`, load 6): 505–1684 ms, 21–34 % against
 * 1417–2206 ms, 71–81 %.
 * Footprint: the build ends at 4096 MiB, 346 MiB over the 3750 needed (15.7 at
 * 1b08399); the workloads (20 000 steps, seed 1) stay below 512 MiB and pay what
 * they paid: zend +3.2 MiB, sgen +1.7, ghc +2.9, mmtk +28.5 (264.0 → 292.5),
 * coreclr 0. Every page grown ahead is listed free-zeroed (`pageStates()`) and
 * 0 bytes are zeroed in the build. Not reached:
 * the 10 % share. The 44 calls below 512 MiB each may cost a mark-compact, and
 * with nothing else to do the build spends 1.4 µs per mapping, so one 5 ms GC
 * outweighs 3 500 mappings. Its floor, from the last table of `node
 * packages/wasm-page-manager/bench/grow-cost.mjs` (a fresh process, 3 MB of
 * JS heap): bringing a non-shared memory from 64 KiB to 4 GiB costs 9–15 ms of
 * memory.grow in one call and 27 ms by doubling (16 calls), because past about
 * 1 GiB every call costs V8 a memory-reducing full GC. In `osal bench` the
 * build's other work is now 61–66 ms (of 87–89), so even one grow to the
 * maximum would be 12–19 % and doubling 29 %: the share is V8's, not the
 * policy's. Rejected: doubling from 256 MiB (coreclr reserves
 * 256 MiB and mmtk peaks at 260–288 MiB: each would end at 512 MiB), a quarter
 * below 512 MiB (doubles every workload's footprint cost for about 8 fewer
 * calls), and a step that adapts to the time measured around each grow (would
 * reach the share, but makes footprints depend on the machine's load).
 *
 * Placement. `node packages/wasm-page-manager/bench/placement-figures.mjs`
 * prints footprint ÷ peak mapped for zend (20 000 steps, seeds 1–8), sgen and
 * dlmalloc mmap-only (Debian's copy, built at run time), and zend's footprint
 * ÷ its 2 MiB alignment floor: the most 2 MiB slots zend held at once, checked
 * after every call that maps, so a moving realloc's two blocks count as peak
 * mapped counts them (checked between steps only, the floor was 0–4 MiB
 * lower). Address-ordered first fit, exact growth: zend 1.299–1.394 ÷ peak
 * mapped, 1.128–1.211 ÷ floor, 415–466 failed calls; sgen 1.015 (seed 1);
 * dlmalloc 8000 steps, driver seeds 1, 3, …, 15: 1.114–1.254 (64 KiB pages),
 * 1.121–1.302 (4 KiB); the default growth adds its one step (zend seed 2:
 * 184.1 → 205.1 MiB).
 *
 * Bounds. No placement ends below the floor plus a page: the floor's slots
 * are held at once, each 2 MiB aligned, and page 0's slot never holds one
 * (address 0 is never handed out), so the highest of them starts at the floor.
 * That is 1.136–1.168 × peak mapped, above 1.15 for seeds 1, 2, 5, 6 and 7
 * (152 or 154 MiB of slots for 131.9–132.1 MiB mapped): ≤ 1.15 ÷ peak mapped
 * is out of reach for them whatever the placement. ≤ 1.05 ÷ floor asks that
 * at most 2–3 slots below the frontier be free when the most are held.
 *
 * Where the memory grows. zend (seed 2): after step 1 180 only 5-slot blocks
 * (8 MiB + 64 KiB arrays) grow it, each when 64–70 of the 83–87 slots below
 * the frontier were held but no 5 were free in a row. Chunks (40–58 slots)
 * live long and fill the bottom; huge blocks (0–31 slots in 1–11 blocks) die
 * together at each request's end. Counted over whole runs (seeds 1, 2, 6):
 * 29–47 of 86–92 slots grown for chunks with no free slot, the rest for huge
 * blocks with no run long enough, 2–10 for moving mremaps. dlmalloc grows
 * while its live set ramps up (seed 1: the last growth at call 214 of 613),
 * when 0.5–1.25 MiB mappings find no hole; 47–58 of its 271–300 mmaps grow
 * the memory (seeds 1, 3, 5, 7), 0–1 moving mremaps do.
 *
 * Rejected, each measured with a temporary chooser (a scan of the free runs)
 * as ÷ peak mapped, ÷ floor, failed calls. With the floor per call, zend
 * seeds 1–4 (first fit: 1.299–1.394, 1.128–1.211, 415–466):
 * - blocks over one slot in the longest run below the frontier: 1.396–1.544,
 *   1.227–1.339, 297–335 (the fewest failed growths, the most footprint);
 * - in the first run with a slot free after the block: 1.356–1.462,
 *   1.192–1.254, 352–382; with two: 1.356–1.439, 1.192–1.250, 315–365;
 * - at the end of the best-fitting run: 2.310–2.896, 1.981–2.547, 516–552;
 * - best fit for chunks only: 1.303–1.394, 1.118–1.195, 440–490 (0.01 less
 *   footprint for more failed calls);
 * - next to a mapping with the same annotation, chunks with chunks and huge
 *   blocks with huge blocks: 1.333–1.412, 1.169–1.243, 352–393; for blocks
 *   only: 1.363–1.424, 1.198–1.224, 413–463;
 * - huge blocks only above the highest chunk (told apart by annotation, which
 *   a general policy cannot do): 1.454–1.500, 1.277–1.303, 345–383.
 * With the floor between steps (zend seeds 1–3 or 1–4): best fit 1.318–1.436,
 * 1.160–1.263, 471–511; best fit for 2 MiB and up 1.306–1.450, 1.165–1.277,
 * 466–514; large mappings at the frontier unless a hole fits exactly 31.0
 * (never reused under exact growth); partial-slot blocks in the run with the
 * most room after them 2.06–2.62, 1.84–2.31, 296–332; leaving the slot after a
 * mapping that ends mid-slot free 1.425–1.470, 1.254–1.294, 412–440 (failed
 * growths hardly drop: room was not what they lacked); multi-slot blocks in
 * the highest fitting run 2.125–2.368 (they grow the memory when they grow);
 * chunks there instead 1.414–1.507.
 * dlmalloc, 64 KiB pages, driver seeds 1, 3, …, 15 (first fit 1.114–1.254):
 * best fit for mappings over a page 1.108–1.263, for 256 KiB and up
 * 1.129–1.297; best fit for one-page mappings 1.139–1.274; the longest run
 * 1.231–1.581; the first run with a page free after, 256 KiB and up,
 * 1.148–1.284. Earlier, seeds 1, 3, …, 9: sub-256 KiB mappings top-down in
 * the highest hole 1.164–1.258.
 * None beats first fit on zend's figures without more failed calls, or on
 * dlmalloc's worst seed, so first fit stays.
 */
import { type MemoryCall, type MmapAnnotation, MmapError } from "@osal/core";
import { isPlaceable, PageState } from "@osal/linear-memory";
import type { FreeRunIndex } from "./free-run-index.js";

/** How many times a placement is retried when another party grows memory in between. */
const CLAIM_ATTEMPTS = 8;

/**
 * The page table placement reads: page states, the free-run index over them and
 * the frontier (the shared state provides all of it). Read with the state lock held.
 */
export interface PlacementSpace {
  /** One page state byte per page ({@link PageState}). */
  readonly states: Uint8Array;
  /** The free-run index over the page table. */
  readonly index: FreeRunIndex;
  /** First page not yet accounted for. */
  readonly frontier: number;
  /** Pages in the address space. */
  readonly totalPages: number;
}

/** How placement claims pages past the frontier (the page source, bound to the shared state). */
export interface PlacementSource {
  /** Accounts for memory others grew since the last call (their pages become external). */
  sync(): void;
  /**
   * Claims pages until the frontier reaches `endPage` or more; `ENOMEM` having
   * claimed nothing when the memory cannot grow. Another party growing in
   * between may leave the frontier short or the pages elsewhere: callers check.
   */
  extend(endPage: number): void;
  /**
   * With a guest's `sbrk` as the source: the first page from which the external
   * pages below the frontier are no longer the guest's (it gave them back).
   * `undefined` for sources whose external pages never come back.
   */
  returnedFrom(): number | undefined;
}

/**
 * Where new mappings go: address-ordered first fit over the free-run index, large
 * mappings aligned by preference, claiming pages from the source when the place
 * reaches past the frontier (see Note [Page manager over linear memory],
 * "Placement"). Every method is called with the state lock held; none maps anything.
 */
export class Placement {
  private readonly space: PlacementSpace;
  private readonly source: PlacementSource;
  private readonly largeMappingAlignment: number;

  /**
   * Placement over `space`, growing through `source`; mappings of at least
   * `largeMappingAlignment` bytes are aligned to it by preference.
   */
  constructor(space: PlacementSpace, source: PlacementSource, largeMappingAlignment: number) {
    this.space = space;
    this.source = source;
    this.largeMappingAlignment = largeMappingAlignment;
  }

  /** The alignment a mapping of `size` bytes gets: large ones at least `largeMappingAlignment`. */
  alignmentFor(align: number, size: number): number {
    const large = this.largeMappingAlignment;
    return size >= large && align < large ? large : align;
  }

  /**
   * Chooses where `count` pages aligned to `align` pages go, claiming pages from
   * the source when the place reaches past the frontier. `ENOMEM` (reported as
   * `call` with `annotation`) when nothing fits below the maximum or the memory
   * cannot grow; no mapping changes. Without aligned room, a place aligned to
   * `fallback` pages will do (default: none). Positional, not an options
   * object: it runs on every mmap.
   */
  place(
    count: number,
    align: number,
    size: number,
    annotation: MmapAnnotation | undefined,
    fallback = 1,
    call: MemoryCall = "mmap",
  ): number {
    if (fallback >= align) return this.placeAligned(count, align, size, annotation, call);
    // The large-mapping alignment is a preference: without aligned room, any
    // place aligned as the caller asked will do.
    try {
      return this.placeAligned(count, align, size, annotation, call);
    } catch (error) {
      if (!isOom(error)) throw error;
      return this.placeAligned(count, fallback, size, annotation, call);
    }
  }

  /**
   * True (pages claimed, nothing mapped yet) when `[first, first + count)` is free
   * or can be grown into; false when some page is taken or the memory cannot grow.
   */
  tryClaimAt(first: number, count: number): boolean {
    const space = this.space;
    if (first + count > space.totalPages) return false;
    if (first + count > space.frontier) this.source.sync();
    const states = space.states;
    let returned = -1;
    for (let page = first; page < first + count; page++) {
      if (isPlaceable(states[page]!)) continue;
      if (states[page] !== PageState.External) return false;
      // Heap pages the guest gave back after a listing saw them can be claimed again.
      if (returned < 0) {
        const from = this.source.returnedFrom();
        if (from === undefined) return false;
        returned = from;
      }
      if (page < returned) return false;
    }
    if (returned < 0 && first + count <= space.frontier) return true;
    try {
      this.source.extend(first + count);
    } catch (error) {
      if (isOom(error)) return false;
      throw error;
    }
    return this.isClaimed(first, count);
  }

  /** True when every page of the range is ours and free (below the frontier). */
  isClaimed(first: number, count: number): boolean {
    if (first + count > this.space.frontier) return false;
    const states = this.space.states;
    for (let page = first; page < first + count; page++) {
      const state = states[page];
      if (state !== PageState.FreeZeroed && state !== PageState.FreeDirty) return false;
    }
    return true;
  }

  /** {@link Placement.place} at exactly `align` pages. */
  private placeAligned(
    count: number,
    align: number,
    size: number,
    annotation: MmapAnnotation | undefined,
    call: MemoryCall,
  ): number {
    for (let attempt = 0; attempt < CLAIM_ATTEMPTS; attempt++) {
      const first = this.choose(count, align);
      if (first < 0) {
        throw new MmapError({
          code: "ENOMEM",
          syscall: call,
          size,
          annotation,
          detail: "no free range that large below the memory's maximum",
        });
      }
      if (first + count <= this.space.frontier) return first;
      this.source.extend(first + count);
      if (this.isClaimed(first, count)) return first;
    }
    throw new MmapError({
      code: "ENOMEM",
      syscall: call,
      size,
      annotation,
      detail: "memory kept being grown by another party while claiming pages",
    });
  }

  /** Where `count` pages aligned to `align` pages should go (-1: nowhere). */
  private choose(count: number, align: number): number {
    return this.space.index.findLowest(count, align);
  }
}

function isOom(error: unknown): boolean {
  return error instanceof MmapError && error.code === "ENOMEM";
}
