import { type LinearMemory, MmapError, WASM_PAGE_SIZE } from "@osal/core";

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
 * appears past the frontier without the manager growing it is external.
 */
export class GrowSource implements PageSource {
  readonly kind = "grow";
  private readonly memory: LinearMemory;
  private readonly pageSize: number;

  /** A source growing `memory`, whose pages are `pageSize` bytes. */
  constructor(memory: LinearMemory, pageSize: number) {
    this.memory = memory;
    this.pageSize = pageSize;
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
    const missing = endPage * this.pageSize - this.memory.buffer.byteLength;
    if (missing <= 0) return;
    const delta = Math.ceil(missing / WASM_PAGE_SIZE);
    let old: number;
    try {
      old = this.memory.grow(delta);
    } catch (cause) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: "mmap",
        size: delta * WASM_PAGE_SIZE,
        cause,
        detail: `memory.grow(${delta}) failed: the memory is at its maximum`,
      });
    }
    const first = (old * WASM_PAGE_SIZE) / this.pageSize;
    if (first > owner.frontier) owner.external(owner.frontier, first);
    owner.owned(first, first + (delta * WASM_PAGE_SIZE) / this.pageSize, true);
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
 */
export class SbrkSource implements PageSource {
  readonly kind = "sbrk";
  private readonly guest: SbrkFunction;
  private readonly memory: LinearMemory;
  private readonly pageSize: number;

  /** A source calling `guest.sbrk` on `memory`, whose pages are `pageSize` bytes. */
  constructor(guest: SbrkFunction, memory: LinearMemory, pageSize: number) {
    this.guest = guest;
    this.memory = memory;
    this.pageSize = pageSize;
  }

  initialFrontier(): number {
    return Math.ceil(this.currentBreak() / this.pageSize);
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
    return Math.min(Math.ceil(this.currentBreak() / this.pageSize), owner.frontier);
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
      const wanted = endPage * this.pageSize - brk;
      if (wanted <= 0) return;
      const step = Math.min(wanted, MAX_SBRK_STEP);
      const before = this.memory.buffer.byteLength;
      const result = this.guest.sbrk(step);
      const old = result >>> 0;
      if (typeof result !== "number" || result === -1 || old === 0xffffffff) {
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
      const reclaimed = Math.ceil(old / this.pageSize);
      if (reclaimed < owner.frontier) {
        owner.reclaim(reclaimed, Math.min(owner.frontier, Math.floor(end / this.pageSize)));
      }
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
      if (old !== brk || end >= endPage * this.pageSize) return;
    }
  }

  private currentBreak(): number {
    const result = this.guest.sbrk(0);
    const old = result >>> 0;
    if (result === -1 || old === 0xffffffff) {
      throw new MmapError({ code: "ENOMEM", syscall: "mmap", detail: "sbrk(0) failed" });
    }
    return old;
  }
}
