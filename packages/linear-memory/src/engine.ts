/*
 * Note [Linear-memory engine]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * What every osal backend over one WebAssembly linear memory needs below its
 * placement policy, written once: the page table, where fresh pages come from,
 * when bytes are zeroed, and the lock that lets workers share it all.
 *
 * Pages. The address space is [0, maximum of the memory), cut into pages of
 * `granule` bytes: 4–64 KiB for the page manager, 1 MiB megablocks for
 * ghc-megablock (over 64 KiB wasm pages: a page the memory's end falls inside
 * is never the backend's). Each page has a state byte (PageState): Unclaimed
 * at or above the *frontier*, the first page not yet accounted for; External
 * (someone else's: the guest's data and heap, memory grown behind our back);
 * FreeZeroed (ours, free, reads as zero); FreeDirty (ours, free, maybe
 * written); Allocated. Beside it an attribute byte (protection, reserve, huge
 * page hint), an annotation id and a zero mark. Page 0 is never marked free in
 * the backend's index (address 0 is NULL).
 *
 * Sources (page-source.ts). `memory.grow` (wasi-libc's sbrk reads memory.size,
 * so it never hands out what we grew), or the guest's exported `sbrk`
 * (Emscripten keeps its own break). Whatever appears below the frontier that
 * we did not claim is External, found as soon as a call reaches the frontier.
 * Growth goes in the steps of core's growth policy, see Note [Growth policy].
 *
 * Locking. Everything lives in one buffer, a SharedArrayBuffer where the host
 * has them (shared-state.ts), with a futex-style Atomics lock in its header
 * (state-lock.ts): engines in several workers over the same shared memory and
 * state agree on every page. Every method below is called with the lock held.
 * Over a memory that is not shared the lock is not taken: no other thread can
 * reach that memory (a non-shared `WebAssembly.Memory` cannot be sent to a
 * worker), so nothing can interleave with a call, and its four atomic
 * operations were a tenth of a map+unmap pair (0.07 of 0.75 µs).
 *
 * Note [Lazy zeroing]
 * ~~~~~~~~~~~~~~~~~~~
 * A `NoAccess` page cannot be read through the backend, so bytes it must read
 * as zero need not be written until it becomes accessible. GCs release memory
 * exactly that way: MMTk maps a freed chunk again as QUARANTINE (`NoAccess`,
 * MAP_FIXED), CoreCLR decommits the same way where MAP_FIXED exists (else with
 * madvise(dontneed) + `NoAccess`), and both open the range again later
 * (MAP_FIXED read-write, or mprotect). Zeroing at release and again at reuse
 * wrote every such page twice; zeroing at release, when the range is never
 * reused, wrote it for nobody. So each allocated page carries a zero mark
 * beside its state (ZeroMark, in the shared state, under the lock):
 *   - Dirty: its bytes are its contents (it is, or was, accessible).
 *   - Pending: it must read as zero once accessible but still holds old bytes.
 *   - Zero: it is known to read as zero (mapped `NoAccess` over FreeZeroed or
 *     Zero pages, never accessible since).
 * Only `NoAccess` pages are ever Pending or Zero. The transitions:
 *   - mapping `NoAccess` (also MAP_FIXED over a mapping): FreeZeroed and Zero
 *     pages become Zero, every other page Pending; nothing is written.
 *   - mapping accessible: FreeDirty, Dirty and Pending pages are zeroed now (a
 *     guest may load from them directly), and all become Dirty.
 *   - madvise(dontneed): accessible pages are zeroed now; `NoAccess` Dirty
 *     pages become Pending (Pending and Zero stay).
 *   - mprotect to an accessible protection: Pending pages are zeroed now, and
 *     all become Dirty (a commit of committed memory keeps its bytes, as on
 *     Linux); mprotect to `NoAccess` changes no mark (the bytes stay).
 *   - mapping uninitialized (MAP_UNINITIALIZED): nothing is zeroed, every page
 *     not known zero becomes Dirty (its old bytes are its contents) and is
 *     counted as uninitialized; known-zero pages keep their Zero mark.
 *   - munmap: a Zero page becomes FreeZeroed, any other FreeDirty, so a Pending
 *     page is zeroed when it is next mapped accessible, never handed out as zero.
 *   - a moving mremap: Dirty pages are copied; a Pending or Zero page is not (it
 *     has no contents), its new page becomes Zero if that was FreeZeroed, else
 *     Pending (the backend sets those marks and maps with `keep`).
 * So quarantine, quarantine again, then open zeroes each page once; decommit
 * then commit zeroes once; a chunk quarantined over fresh memory and later
 * mapped read-write is never zeroed. The bytes written are counted, exactly,
 * when they are written. The assumption (`enforcesProtection` false): nobody
 * stores into a `NoAccess` page directly, which on a real OS would fault.
 */
import { currentBuffer, type GrowthPolicy, isSharedMemory, type LinearMemory } from "@osal/core";
import { GrowSource, type PageSource, type SbrkFunction, SbrkSource } from "./page-source.js";
import {
  isAccessibleAttribute,
  isPlaceable,
  isReservedAttribute,
  PageState,
} from "./page-state.js";
import { type FreePageIndex, Header, type SharedState } from "./shared-state.js";
import {
  isCleanAfterUnmap,
  markAfterDiscard,
  markWhenMapped,
  ZeroMark,
  zeroesWhenMapped,
  zeroesWhenOpened,
} from "./zero-mark.js";

/** Mappings of at least this many pages over fresh pages are written with `fill` (see `mapFresh`). */
const LONG_RUN = 256;
/** Every page state but FreeZeroed: a run holding none of them is fresh. */
const NOT_FRESH: readonly PageState[] = [
  PageState.Unclaimed,
  PageState.External,
  PageState.FreeDirty,
  PageState.Allocated,
];

/** Where the engine reports the bytes it zeroes and hands out uninitialized (core's `StatsRecorder` fits). */
export interface ZeroingCounters {
  /** `bytes` were just written with zeros. */
  addZeroed(bytes: number): void;
  /** `bytes` were mapped uninitialized holding old bytes. */
  addUninitialized(bytes: number): void;
}

/** What a {@link LinearMemoryEngine} works on. */
export interface LinearMemoryEngineOptions<I extends FreePageIndex> {
  /** The linear memory. */
  readonly memory: LinearMemory;
  /** The state (made, or attached to, with the backend's index layout); its granule is the page. */
  readonly state: SharedState<I>;
  /** True when `state` was just made: the memory in use now becomes External. */
  readonly fresh: boolean;
  /** `"grow"`: `memory.grow`; else the guest's `sbrk`. */
  readonly source: "grow" | SbrkFunction;
  /** How far past a request the memory grows (core's growth policy). */
  readonly growth: GrowthPolicy;
  /** Told of every byte zeroed or handed out uninitialized. */
  readonly counters: ZeroingCounters;
}

/**
 * The linear-memory engine: page table, zero marks, page source and lock over one
 * memory, see Note [Linear-memory engine] and Note [Lazy zeroing]. A backend
 * keeps its placement policy and its checks, and calls these primitives with the
 * lock held ({@link LinearMemoryEngine.lock}); they trust their arguments.
 */
export class LinearMemoryEngine<I extends FreePageIndex = FreePageIndex> {
  /** The linear memory. */
  readonly memory: LinearMemory;
  /** The shared state: header, page table, index, annotations, lock. */
  readonly state: SharedState<I>;
  /** Bytes per page. */
  readonly granule: number;
  /** One {@link PageState} byte per page (the state's). */
  readonly states: Uint8Array;
  /** One attribute byte per page (page-state.ts's encoding). */
  readonly attributes: Uint8Array;
  /** One annotation id per page. */
  readonly annotationIds: Uint32Array;
  /** One {@link ZeroMark} byte per page. */
  readonly zeroMarks: Uint8Array;
  private readonly source: PageSource;
  private readonly counters: ZeroingCounters;
  private view: Uint8Array = new Uint8Array(0);
  /** False over a non-shared memory: no other thread can take part, the lock is skipped. */
  private readonly threaded: boolean;

  /** An engine over `options.memory` and `options.state`; a fresh state learns what is in use. */
  constructor(options: LinearMemoryEngineOptions<I>) {
    const { memory, state, growth } = options;
    this.memory = memory;
    this.state = state;
    this.granule = state.granule;
    this.states = state.states;
    this.attributes = state.attributes;
    this.annotationIds = state.annotationIds;
    this.zeroMarks = state.zeroMarks;
    this.counters = options.counters;
    this.threaded = isSharedMemory(memory);
    const limit = state.totalPages * this.granule;
    this.source =
      options.source === "grow"
        ? new GrowSource(memory, this.granule, growth, limit)
        : new SbrkSource(options.source, memory, this.granule, growth, limit);
    state.lock.acquire();
    try {
      if (options.fresh) {
        state.external(0, Math.min(this.source.initialFrontier(), state.totalPages));
        // Address 0 is NULL: page 0 is never chosen for a mapping (MAP_FIXED may still ask for it).
        if (isPlaceable(this.states[0]!)) state.index.set(0, 1, false);
      }
      this.source.sync(state);
    } finally {
      state.lock.release();
    }
  }

  /** Pages in the address space. */
  get totalPages(): number {
    return this.state.totalPages;
  }

  /** First page not yet accounted for. */
  get frontier(): number {
    return this.state.frontier;
  }

  /** Pages currently allocated. */
  get mappedPages(): number {
    return this.state.mappedPages;
  }

  /** Allocated pages mapped with `reserve: true`. */
  get committedPages(): number {
    return this.state.header[Header.CommittedPages]!;
  }

  /**
   * Takes the state lock (every other method is called holding it); over a
   * non-shared memory there is none to take (Note [Linear-memory engine]).
   */
  lock(): void {
    if (this.threaded) this.state.lock.acquire();
  }

  /** Releases the state lock. */
  unlock(): void {
    if (this.threaded) this.state.lock.release();
  }

  // ---- sources ----

  /** Accounts for memory others grew since the last call: it becomes External. */
  sync(): void {
    this.source.sync(this.state);
  }

  /**
   * Claims pages until the frontier reaches `endPage` or more; `ENOMEM` having
   * claimed nothing when the memory cannot grow. Another party growing in
   * between may leave the frontier short or the pages elsewhere: callers check.
   */
  extend(endPage: number): void {
    this.source.extend(this.state, endPage);
  }

  /**
   * With a guest's `sbrk` as the source: the first page from which the External
   * pages below the frontier are no longer the guest's (it moved its break back
   * below them; claiming them calls `sbrk` again). `undefined` with `memory.grow`.
   */
  returnedFrom(): number | undefined {
    return this.source instanceof SbrkSource ? this.source.returnedFrom(this.state) : undefined;
  }

  /** Brings the External pages up to date for a listing (the guest's heap grown since, too). */
  observe(): void {
    if (this.source instanceof SbrkSource) this.source.observe(this.state);
    else this.source.sync(this.state);
  }

  // ---- pages and zero marks ----

  /**
   * Maps pages `[first, first + count)`, all owned (free or allocated), with
   * attribute byte `attributes` and annotation id `id`. From `first + keep` on
   * (the first `keep` pages are about to be filled by the caller, a move, which
   * also sets their zero marks): with an accessible protection, the pages that
   * may hold old bytes are zeroed and counted; with `NoAccess` nothing is
   * written, each page is marked `Zero` or `Pending`; `uninitialized` zeroes
   * nothing (see Note [Lazy zeroing]).
   */
  map(
    first: number,
    count: number,
    attributes: number,
    id: number,
    keep = 0,
    uninitialized = false,
  ): void {
    if (count >= LONG_RUN && keep === 0 && this.allFreeZeroed(first, first + count)) {
      this.mapFresh(first, count, attributes, id, uninitialized);
      return;
    }
    const states = this.states;
    const attributeBytes = this.attributes;
    const annotationIds = this.annotationIds;
    const marks = this.zeroMarks;
    const accessible = isAccessibleAttribute(attributes);
    const end = first + count;
    const zeroStart = first + keep;
    let added = 0;
    let uncommitted = 0;
    let zeroFrom = -1;
    let handedDirty = 0;
    for (let page = first; page < end; page++) {
      const state = states[page];
      if (state !== PageState.Allocated) added++;
      else if (isReservedAttribute(attributeBytes[page]!)) uncommitted++;
      let dirty = false;
      if (page >= zeroStart) {
        const clean =
          state === PageState.FreeZeroed ||
          (state === PageState.Allocated && marks[page] === ZeroMark.Zero);
        marks[page] = markWhenMapped(clean, accessible, uninitialized);
        dirty = zeroesWhenMapped(clean, accessible, uninitialized);
        // MAP_UNINITIALIZED: old bytes are the new contents, nothing is written.
        if (uninitialized && !clean) handedDirty++;
      }
      if (dirty) {
        if (zeroFrom < 0) zeroFrom = page;
      } else if (zeroFrom >= 0) {
        this.zero(zeroFrom, page);
        zeroFrom = -1;
      }
      states[page] = PageState.Allocated;
      attributeBytes[page] = attributes;
      annotationIds[page] = id;
    }
    if (zeroFrom >= 0) this.zero(zeroFrom, end);
    if (handedDirty > 0) this.counters.addUninitialized(handedDirty * this.granule);
    this.state.index.set(first, end, false);
    this.countPages(added, (isReservedAttribute(attributes) ? count : 0) - uncommitted);
  }

  /** True when every page of `[from, to)` is FreeZeroed (scanned by the typed array's own search). */
  private allFreeZeroed(from: number, to: number): boolean {
    const run = this.states.subarray(from, to);
    return NOT_FRESH.every((state) => run.indexOf(state) < 0);
  }

  /**
   * {@link LinearMemoryEngine.map} over pages that are all FreeZeroed: nothing
   * to zero, every page gets the same bytes, written with `fill`. A reservation
   * of a whole address space is the usual first call of a runtime; through the
   * page loop, V8 compiled that loop on stack with only its first call's
   * branches seen, and on Node 20 kept re-entering that code and deoptimizing
   * it for the next 10 000–20 000 calls.
   */
  private mapFresh(
    first: number,
    count: number,
    attributes: number,
    id: number,
    uninitialized: boolean,
  ): void {
    const end = first + count;
    const mark = markWhenMapped(true, isAccessibleAttribute(attributes), uninitialized);
    this.states.fill(PageState.Allocated, first, end);
    this.attributes.fill(attributes, first, end);
    this.annotationIds.fill(id, first, end);
    this.zeroMarks.fill(mark, first, end);
    this.state.index.set(first, end, false);
    this.countPages(count, isReservedAttribute(attributes) ? count : 0);
  }

  /** Unmaps the allocated pages of `[first, first + count)`; others are left alone. */
  unmap(first: number, count: number): void {
    const states = this.states;
    const index = this.state.index;
    const end = first + count;
    let freed = 0;
    let uncommitted = 0;
    let runStart = -1;
    const attributes = this.attributes;
    const annotationIds = this.annotationIds;
    const marks = this.zeroMarks;
    for (let page = first; page < end; page++) {
      if (states[page] === PageState.Allocated) {
        // A page known to be zero goes back as such; a pending one is dirty again.
        states[page] = isCleanAfterUnmap(marks[page]!) ? PageState.FreeZeroed : PageState.FreeDirty;
        marks[page] = ZeroMark.Dirty;
        annotationIds[page] = 0;
        freed++;
        if (isReservedAttribute(attributes[page]!)) uncommitted++;
        if (runStart < 0) runStart = page;
      } else if (runStart >= 0) {
        index.set(Math.max(runStart, 1), page, true);
        runStart = -1;
      }
    }
    // Page 0 stays out of the index: address 0 is never handed out.
    if (runStart >= 0) index.set(Math.max(runStart, 1), end, true);
    this.countPages(-freed, -uncommitted);
  }

  /** Adds `mapped` to the allocated pages and `committed` to those mapped with `reserve: true`. */
  private countPages(mapped: number, committed: number): void {
    const header = this.state.header;
    header[Header.MappedPages] = header[Header.MappedPages]! + mapped;
    header[Header.CommittedPages] = header[Header.CommittedPages]! + committed;
  }

  /**
   * Allocated pages `[from, to)` just became accessible (mprotect): the `Pending`
   * ones are zeroed now (and counted), and every mark is settled to `Dirty`.
   */
  open(from: number, to: number): void {
    const marks = this.zeroMarks;
    let runStart = -1;
    for (let page = from; page < to; page++) {
      if (zeroesWhenOpened(marks[page]!)) {
        if (runStart < 0) runStart = page;
      } else if (runStart >= 0) {
        this.zero(runStart, page);
        runStart = -1;
      }
    }
    if (runStart >= 0) this.zero(runStart, to);
    marks.fill(ZeroMark.Dirty, from, to);
  }

  /**
   * madvise(dontneed) over allocated pages `[from, to)`: accessible pages are
   * zeroed now (a guest may load from them directly); `NoAccess` pages that hold
   * bytes are only marked `Pending`.
   */
  discard(from: number, to: number): void {
    const attributes = this.attributes;
    const marks = this.zeroMarks;
    let runStart = -1;
    for (let page = from; page < to; page++) {
      if (isAccessibleAttribute(attributes[page]!)) {
        if (runStart < 0) runStart = page;
        continue;
      }
      if (runStart >= 0) {
        this.zero(runStart, page);
        runStart = -1;
      }
      marks[page] = markAfterDiscard(marks[page]!);
    }
    if (runStart >= 0) this.zero(runStart, to);
  }

  /**
   * The memory's bytes up to at least `end`, through a cached view: a view of a
   * buffer detached by growth has length 0, and a shared memory's old buffer is
   * too short for pages grown since, so either way it is renewed when needed.
   */
  bytes(end: number): Uint8Array {
    if (this.view.byteLength >= end) return this.view;
    // Not `memory.buffer`: another thread's growth may not show there yet (Note
    // [A shared memory's length in another thread], core's current-buffer.ts).
    this.view = new Uint8Array(currentBuffer(this.memory));
    if (this.view.byteLength < end) {
      throw new RangeError(
        `the memory is ${this.view.byteLength} bytes, not the ${end} its pages reach`,
      );
    }
    return this.view;
  }

  /** Writes zeros over pages `[from, to)` and counts them. */
  private zero(from: number, to: number): void {
    if (to <= from) return;
    const granule = this.granule;
    this.bytes(to * granule).fill(0, from * granule, to * granule);
    this.counters.addZeroed((to - from) * granule);
  }
}
