/*
 * Note [Growth policy]
 * ~~~~~~~~~~~~~~~~~~~~
 * `memory.grow` on a non-shared memory costs per call, not per byte. Measured on
 * this 2-core machine under load (bench/grow-cost.mjs, median per call, steps of
 * 64 KiB, 1, 16 and 64 MiB alike): 4 µs below 64 MiB, 0.2 ms from 256 MiB to
 * 1 GiB, 12–20 ms past 2 GiB (V8 runs a mark-compact on most grows once the
 * memory is large, "external memory pressure"; the time grows with the live JS
 * heap). A shared memory's grow costs 2–7 µs at any size. Grown but untouched
 * memory costs no RSS (V8 reserves the whole range up front): a step costs
 * footprint as `stats()` reports it (the memory's length), not resident memory.
 * So the number of grow calls made at large sizes is what to minimise, and the
 * step size is what it costs in footprint.
 *
 * Policy (core's growth-policy.ts, shared by every linear-memory backend): when a call reaches
 * the end, grow to at least `size + clamp(size × ratio, minimumStep,
 * maximumStep)`, clipped at the maximum; exactly what is needed when that is
 * more. The pages past the one asked for become FreeZeroed (never memset when
 * handed out, listed as `free-zeroed`). A step the host refuses is retried as
 * exactly what is missing, so the policy never turns a grow that would have
 * worked into ENOMEM. A shared memory grows exactly by default: its grow is cheap
 * and a step would only cost footprint.
 *
 * Candidates, building 60 000 one-page mappings (64 KiB pages, 3.75 GiB) call by
 * call, bench/growth.bench.ts. Run 1, every row side by side (build time):
 * exact (the old behaviour) 677 922 ms; granule 2 MiB 17 927 ms; granule 16 MiB
 * 3 183 ms; geometric 1/8, 1–64 MiB 1 615 ms; 1/4, 1–256 MiB 607 ms; 1/2,
 * 1 MiB–1 GiB 393 ms; 1 (doubling), 1 MiB–4 GiB 249 ms. Run 2, without the exact
 * row, with each grow timed (build; share in memory.grow; calls; footprint over
 * the 3750 MiB needed):
 *   granule 2 MiB       8.3–13.2 s   98 %     1875 calls   +0
 *   granule 16 MiB      1.1–1.2 s    91 %      235 calls   +10 MiB
 *   1/8, 1–64 MiB       352–396 ms   71–74 %    94 calls   +15.7 MiB
 *   1/4, 1–256 MiB      162–227 ms   46–56 %    40 calls   +143.7 MiB
 *   1/2, 1 MiB–1 GiB    122–131 ms   23–27 %    21 calls   +238.1 MiB
 *   1, 1 MiB–4 GiB      107–110 ms   15–19 %    13 calls   +346 MiB
 * No policy with a bounded step brings the grow share of this build to 10 %:
 * the calls past 2 GiB cost 12–40 ms each, and only doubling gets near. What the
 * big steps cost shows on the workloads (20 000 steps, seed 1; peak footprint,
 * exact → 1/2, 1 MiB–1 GiB): zend 169.5 → 244.7 MiB, sgen 65.0 → 77.1, ghc
 * 162.0 → 188.1, mmtk 260 → 384, coreclr 256 → 256, for 10–70 ms of grow time
 * saved in runs of 1.4–7.7 s. So the default (DEFAULT_GROWTH) is an eighth of
 * the size, 1 MiB to 64 MiB: the table build 400× faster than exact growth (1.6 s
 * against 678 s in run 1), 94 grow calls instead of 60 000, a footprint cost of
 * at most 12.5 % or 64 MiB, whichever is less. Emscripten's own heap growth
 * (emscripten_resize_heap) has the same shape: 20 % of the size, capped at 96 MiB
 * over the request. Its cost on the workloads (run 3, same settings, exact →
 * default; grow calls): zend 169.5 → 181.1 MiB (50 → 25), sgen 65.0 → 67.7
 * (65 → 26), ghc 162.0 → 179.1 (26 → 20), mmtk 260 → 288 (2 → 2), coreclr 256 →
 * 256 (1 → 1): each at most one step; the time saved there is within noise
 * (their grows happen below 1 GiB, at 0.2 ms each). Rejected: fixed granules (calls proportional to the memory),
 * ratios of 1/4 and more (footprint up to +48 % on the workloads for
 * milliseconds).
 * Then (`doublingFrom`): from 512 MiB on the default doubles the memory, clipped
 * at the maximum, because past half the JS heap limit every grow forces a full
 * GC: the build makes 47 calls instead of 94 and runs 1.8–3.7× faster than
 * with the 64 MiB cap (share in memory.grow 27–43 % against 64–79 %), for a
 * footprint of 4096 MiB instead of 3766; the workloads stay below 512 MiB and
 * pay what they paid. Numbers and the options rejected: Note [Growth past
 * 512 MiB] in the page manager's placement.ts.
 *
 * With a guest's sbrk as the source the break moves by exactly the increment
 * (Emscripten's sbrk), and what lies below it is no longer the guest malloc's, so
 * the manager asks for whole pages up to its target in one sbrk; the guest's
 * next sbrk continues above. sbrk moves nothing when it fails, so the retry with
 * exactly what is missing is safe. Emscripten then grows its memory by its own
 * rule, at least to the new break.
 */
import {
  currentByteLength,
  type GrowthPolicy,
  growLinearMemory,
  growthTarget,
  type LinearMemory,
  MmapError,
  WASM_PAGE_SIZE,
} from "@osal/core";

/**
 * A guest's exported `sbrk`: moves the program break by `increment` bytes and
 * returns the old break, or -1 (`(void*)-1`, which a wasm32 export may also show
 * as 0xffffffff) when it cannot.
 */
export interface SbrkFunction {
  sbrk(increment: number): number;
}

/**
 * What a source reports back while claiming: pages it now owns (zeroed or not)
 * and pages below the new frontier that belong to someone else.
 */
export interface FrontierOwner {
  /** First page not yet accounted for. */
  readonly frontier: number;
  /** Pages `[from, to)` belong to someone else (they were grown or sbrk'd by another party). */
  external(from: number, to: number): void;
  /** Pages `[from, to)` are now the manager's, free; `zeroed` when they are known to read as zero. */
  owned(from: number, to: number, zeroed: boolean): void;
  /** External pages of `[from, to)` below the frontier are the manager's again (free, dirty). */
  reclaim(from: number, to: number): void;
}

/**
 * Where fresh pages come from. Called with the state lock held.
 */
export interface PageSource {
  /** The frontier for a fresh state: the end of what is already in use, in pages. */
  initialFrontier(): number;
  /** Accounts for memory others took since the last call (memory grown behind the manager's back). */
  sync(owner: FrontierOwner): void;
  /**
   * Claims pages until the frontier reaches `endPage` or more. Throws `ENOMEM`
   * having claimed nothing when the memory cannot grow. If another party grew in
   * between, the frontier may still fall short or the pages land elsewhere: the
   * caller checks and retries.
   */
  extend(owner: FrontierOwner, endPage: number): void;
}

/**
 * `memory.grow` as the source: the default, and safe with wasi-libc (whose `sbrk`
 * reads `memory.size`, so it never hands out what the manager grew). Memory that
 * appears past the frontier without the manager growing it is external. Grows by
 * the step of its growth policy (Note [Growth policy]); what it grows past the
 * page asked for is the manager's, free and zeroed.
 */
export class GrowSource implements PageSource {
  private readonly memory: LinearMemory;
  private readonly granule: number;
  private readonly growth: GrowthPolicy;
  private readonly limit: number;

  /**
   * A source growing `memory`, whose pages are `granule` bytes, by the steps of
   * `growth`, never past `limit` bytes (the end of the address space).
   */
  constructor(memory: LinearMemory, granule: number, growth: GrowthPolicy, limit: number) {
    this.memory = memory;
    this.granule = granule;
    this.growth = growth;
    this.limit = limit;
  }

  initialFrontier(): number {
    // A page the memory ends inside (a granule coarser than 64 KiB) is not ours.
    return Math.ceil(currentByteLength(this.memory) / this.granule);
  }

  sync(owner: FrontierOwner): void {
    const end = Math.ceil(currentByteLength(this.memory) / this.granule);
    if (end > owner.frontier) owner.external(owner.frontier, end);
  }

  extend(owner: FrontierOwner, endPage: number): void {
    this.sync(owner);
    const needed = endPage * this.granule;
    let growth: ReturnType<typeof growLinearMemory>;
    try {
      growth = growLinearMemory(
        this.memory,
        this.growth,
        needed,
        this.limit,
        Math.max(this.granule, WASM_PAGE_SIZE),
      );
    } catch (cause) {
      const size = needed - currentByteLength(this.memory);
      throw new MmapError({
        code: "ENOMEM",
        syscall: "mmap",
        size,
        cause,
        detail: `memory.grow of ${size} bytes failed: the memory is at its maximum`,
      });
    }
    if (growth === undefined) return;
    // With a granule coarser than 64 KiB, a page the old end fell inside is not ours.
    const first = Math.ceil(growth.oldBytes / this.granule);
    if (first > owner.frontier) owner.external(owner.frontier, first);
    owner.owned(first, Math.floor(growth.endBytes / this.granule), true);
  }
}

/** Largest increment passed to one `sbrk` call (its argument is a signed 32-bit int). */
const MAX_SBRK_STEP = 1 << 30;

/**
 * A guest's `sbrk` as the source (Emscripten keeps its own break, so memory grown
 * behind its back would be handed out again by its `malloc`). Whatever `sbrk`
 * returns below an old break is the guest's and external; a partial page at either
 * end of what it returns is external too. Pages sbrk hands out from memory that
 * already existed before the call are taken as dirty (the guest may have used and
 * released them by a negative sbrk); pages the call had to grow are zeroed.
 *
 * Steps (Note [Growth policy]): the break moves by exactly the increment asked
 * (Emscripten's sbrk), and everything below it is no longer the guest malloc's,
 * so the source asks for whole pages up to its policy's target at once; the
 * pages past the one asked for stay the manager's, free. When the guest refuses
 * the whole step (its heap maximum; sbrk then moved nothing) it asks for exactly
 * what is missing.
 */
export class SbrkSource implements PageSource {
  private readonly guest: SbrkFunction;
  private readonly memory: LinearMemory;
  private readonly granule: number;
  private readonly growth: GrowthPolicy;
  private readonly limit: number;

  /**
   * A source calling `guest.sbrk` on `memory`, whose pages are `granule` bytes,
   * in the steps of `growth`, never past `limit` bytes.
   */
  constructor(
    guest: SbrkFunction,
    memory: LinearMemory,
    granule: number,
    growth: GrowthPolicy,
    limit: number,
  ) {
    this.guest = guest;
    this.memory = memory;
    this.granule = granule;
    this.growth = growth;
    this.limit = limit;
  }

  initialFrontier(): number {
    return Math.ceil(this.currentBreak() / this.granule);
  }

  sync(): void {
    // The break only moves when the guest calls sbrk; extend() accounts for it.
  }

  /**
   * The first page from which the external pages up to the frontier are no
   * longer the guest's (it moved its break back below them): `extend` claims
   * them again through `sbrk`. The frontier when there are none.
   */
  returnedFrom(owner: FrontierOwner): number {
    return Math.min(Math.ceil(this.currentBreak() / this.granule), owner.frontier);
  }

  /** Marks as external the guest's heap grown since the last claim (for listings). */
  observe(owner: FrontierOwner): void {
    const end = Math.ceil(this.currentBreak() / this.granule);
    if (end > owner.frontier) owner.external(owner.frontier, end);
  }

  extend(owner: FrontierOwner, endPage: number): void {
    let claimedAny = false;
    for (;;) {
      const brk = this.currentBreak();
      const brkPage = Math.ceil(brk / this.granule);
      if (brkPage > owner.frontier) owner.external(owner.frontier, brkPage);
      // From the break (maybe inside a page that is partly the guest's) to endPage.
      const needed = endPage * this.granule;
      if (needed <= brk) return;
      const target = growthTarget(this.growth, brk, needed, this.limit, this.granule);
      let step = Math.min(target - brk, MAX_SBRK_STEP);
      const before = currentByteLength(this.memory);
      let result = this.guest.sbrk(step);
      if (isSbrkFailure(result) && step > needed - brk) {
        // The whole step is refused (sbrk moved nothing): ask for exactly what is missing.
        step = Math.min(needed - brk, MAX_SBRK_STEP);
        result = this.guest.sbrk(step);
      }
      const old = result >>> 0;
      if (isSbrkFailure(result)) {
        if (claimedAny) return;
        throw new MmapError({
          code: "ENOMEM",
          syscall: "mmap",
          size: step,
          detail: `sbrk(${step}) failed`,
        });
      }
      claimedAny = true;
      const end = old + step;
      // The guest gave back (negative sbrk) pages a listing had already seen as its
      // heap: sbrk just handed them to us, they are ours again (issue 15, R7).
      const reclaimed = Math.ceil(old / this.granule);
      if (reclaimed < owner.frontier) {
        owner.reclaim(reclaimed, Math.min(owner.frontier, Math.floor(end / this.granule)));
      }
      const first = Math.max(Math.ceil(old / this.granule), owner.frontier);
      const last = Math.floor(end / this.granule);
      if (first > owner.frontier) owner.external(owner.frontier, first);
      if (last > first) {
        const dirtyEnd = Math.min(Math.max(Math.floor(before / this.granule), first), last);
        if (dirtyEnd > first) owner.owned(first, dirtyEnd, false);
        if (last > dirtyEnd) owner.owned(dirtyEnd, last, true);
      }
      const tail = Math.ceil(end / this.granule);
      if (tail > owner.frontier) owner.external(owner.frontier, tail);
      // Another party moved the break in between: let the caller look again.
      if (old !== brk || end >= needed) return;
    }
  }

  private currentBreak(): number {
    const result = this.guest.sbrk(0);
    if (isSbrkFailure(result)) {
      throw new MmapError({ code: "ENOMEM", syscall: "mmap", detail: "sbrk(0) failed" });
    }
    return result >>> 0;
  }
}

/** True when `result` is sbrk's failure, `(void*)-1` (a wasm32 export may show it as 0xffffffff). */
function isSbrkFailure(result: number): boolean {
  return typeof result !== "number" || result === -1 || result >>> 0 === 0xffffffff;
}
