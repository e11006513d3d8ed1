import {
  type GrowthPolicy,
  growLinearMemory,
  growthTarget,
  type LinearMemory,
  MmapError,
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
}

/**
 * Where fresh pages come from. Called with the state lock held.
 */
export interface PageSource {
  /** `"grow"` or `"sbrk"`, for listings and errors. */
  readonly kind: "grow" | "sbrk";
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
  readonly kind = "grow";
  private readonly memory: LinearMemory;
  private readonly pageSize: number;
  private readonly growth: GrowthPolicy;
  private readonly limit: number;

  /**
   * A source growing `memory`, whose pages are `pageSize` bytes, by the steps of
   * `growth`, never past `limit` bytes (the end of the address space).
   */
  constructor(memory: LinearMemory, pageSize: number, growth: GrowthPolicy, limit: number) {
    this.memory = memory;
    this.pageSize = pageSize;
    this.growth = growth;
    this.limit = limit;
  }

  initialFrontier(): number {
    return this.memory.buffer.byteLength / this.pageSize;
  }

  sync(owner: FrontierOwner): void {
    const end = this.memory.buffer.byteLength / this.pageSize;
    if (end > owner.frontier) owner.external(owner.frontier, end);
  }

  extend(owner: FrontierOwner, endPage: number): void {
    this.sync(owner);
    const needed = endPage * this.pageSize;
    let growth: ReturnType<typeof growLinearMemory>;
    try {
      growth = growLinearMemory(this.memory, this.growth, needed, this.limit);
    } catch (cause) {
      const size = needed - this.memory.buffer.byteLength;
      throw new MmapError({
        code: "ENOMEM",
        syscall: "mmap",
        size,
        cause,
        detail: `memory.grow of ${size} bytes failed: the memory is at its maximum`,
      });
    }
    if (growth === undefined) return;
    const first = growth.oldBytes / this.pageSize;
    if (first > owner.frontier) owner.external(owner.frontier, first);
    owner.owned(first, growth.endBytes / this.pageSize, true);
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
  readonly kind = "sbrk";
  private readonly guest: SbrkFunction;
  private readonly memory: LinearMemory;
  private readonly pageSize: number;
  private readonly growth: GrowthPolicy;
  private readonly limit: number;

  /**
   * A source calling `guest.sbrk` on `memory`, whose pages are `pageSize` bytes,
   * in the steps of `growth`, never past `limit` bytes.
   */
  constructor(
    guest: SbrkFunction,
    memory: LinearMemory,
    pageSize: number,
    growth: GrowthPolicy,
    limit: number,
  ) {
    this.guest = guest;
    this.memory = memory;
    this.pageSize = pageSize;
    this.growth = growth;
    this.limit = limit;
  }

  initialFrontier(): number {
    return Math.ceil(this.currentBreak() / this.pageSize);
  }

  sync(): void {
    // The break only moves when the guest calls sbrk; extend() accounts for it.
  }

  /** Marks as external the guest's heap grown since the last claim (for listings). */
  observe(owner: FrontierOwner): void {
    const end = Math.ceil(this.currentBreak() / this.pageSize);
    if (end > owner.frontier) owner.external(owner.frontier, end);
  }

  extend(owner: FrontierOwner, endPage: number): void {
    let claimedAny = false;
    for (;;) {
      const brk = this.currentBreak();
      const brkPage = Math.ceil(brk / this.pageSize);
      if (brkPage > owner.frontier) owner.external(owner.frontier, brkPage);
      // From the break (maybe inside a page that is partly the guest's) to endPage.
      const needed = endPage * this.pageSize;
      if (needed <= brk) return;
      const target = growthTarget(this.growth, brk, needed, this.limit, this.pageSize);
      let step = Math.min(target - brk, MAX_SBRK_STEP);
      const before = this.memory.buffer.byteLength;
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
      const first = Math.max(Math.ceil(old / this.pageSize), owner.frontier);
      const last = Math.floor(end / this.pageSize);
      if (first > owner.frontier) owner.external(owner.frontier, first);
      if (last > first) {
        const dirtyEnd = Math.min(Math.max(Math.floor(before / this.pageSize), first), last);
        if (dirtyEnd > first) owner.owned(first, dirtyEnd, false);
        if (last > dirtyEnd) owner.owned(dirtyEnd, last, true);
      }
      const tail = Math.ceil(end / this.pageSize);
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
