/*
 * Note [Page manager over linear memory]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * WebAssembly linear memory only grows, in 64 KiB steps, and has no holes and no
 * protection. This backend turns it into an address space with mmap semantics,
 * in the way of Mono's mwpm, closing mwpm's gaps (linear first-fit scan, no
 * MAP_FIXED, no mremap, unsafe with threads).
 *
 * Page table. The address space is [0, maximum of the memory), cut into pages of
 * `pageSize` bytes (64 KiB by default). Each page has a state byte:
 *   - Unclaimed: at or above the *frontier*, the first page not yet accounted for.
 *     Not in the memory yet (or, with sbrk, not yet given to us); a mapping may be
 *     placed there and the pages are claimed from the source first.
 *   - External: below the frontier and someone else's: memory in use when the
 *     manager started (the guest's data, stack, heap), or grown by someone else
 *     (another `memory.grow`, the guest's `sbrk`). Never handed out, never
 *     replaced: MAP_FIXED over it fails with ENOTSUP.
 *   - FreeZeroed: ours, free, and known to read as zero: grown and never handed out.
 *   - FreeDirty: ours, free, maybe written (it was mapped before).
 *   - Allocated: mapped by a caller. An attribute byte (protection, reserve, huge
 *     page hint) and an annotation id sit beside it. Mappings are not objects:
 *     a mapping is a run of allocated pages, so munmap and mprotect of any sub-range
 *     only rewrite bytes, and adjacent identical runs merge by themselves.
 *
 * Index. A segment tree over the pages (free-run-index.ts) keeps, per node, the
 * longest free run and the free runs touching its two ends. "Free" there means
 * FreeZeroed, FreeDirty or Unclaimed, so the tail of memory and the room the
 * memory can still grow into are one run: a mapping that does not fit in a hole
 * lands on the last free pages and grows the memory only by what is missing.
 * Finding the lowest aligned fit descends only into subtrees whose longest run is
 * long enough: O(log n) however full and fragmented the table is (mwpm scans).
 *
 * Placement. Mappings go at the low end of the lowest free run that can hold them
 * (address-ordered first fit, which keeps memory compact). The free pages after a
 * mapping are then its room to grow in place, and the mapping nearest the top of
 * memory can always grow by growing the memory. Keeping extra room behind big
 * mappings (or putting them at the top) was measured on the zend workload and
 * only raised the footprint: other mappings later fill that room anyway (see the
 * README). Mappings of 2 MiB or more are 2 MiB aligned by default, as Linux does
 * for large anonymous mappings, so PHP's first chunk mmap is already aligned and
 * it never over-maps and trims. That alignment is a preference: without aligned
 * room the mapping goes at the lowest page-aligned fit (ENOMEM with room free was
 * issue 15's R5), and a free hint is used whatever its alignment. Page 0 is never
 * chosen (address 0 is NULL; like Linux's 64 KiB `vm.mmap_min_addr`), which
 * costs a standalone manager one page of footprint; MAP_FIXED may still map it.
 *
 * Zeroing. A page handed out for the first time was just grown and reads as zero:
 * no memset. Pages that may hold old bytes are zeroed only when someone could
 * read them: a `NoAccess` page carries a zero mark (Dirty, Pending, Zero) and is
 * zeroed when it is opened, so quarantine then open zeroes each page once and a
 * chunk quarantined over fresh memory is never zeroed; see Note [Lazy zeroing]
 * in @osal/linear-memory (engine.ts), which holds the marks and their
 * transitions. The bytes written are counted in `stats().zeroedBytes`, exactly,
 * when they are written. The zeroing contract is asserted through the public API
 * by @osal/conformance's lazy-zeroing suite.
 *
 * Sources. `memory.grow` by default (wasi-libc's sbrk reads memory.size, so it
 * never hands out what we grew); or the guest's exported `sbrk` (Emscripten keeps
 * its own break, so memory grown behind its back would be given out twice).
 * Either way, whatever appears below the frontier that we did not claim is marked
 * External, as soon as a call reaches the frontier (memory others grow can only
 * appear there, so calls below it need not look). Memory is never returned to
 * the host. Growth goes in steps, see Note [Growth policy] (@osal/linear-memory,
 * page-source.ts): pages grown ahead are FreeZeroed. The page table, the marks,
 * the sources and the lock are the linear-memory engine (@osal/linear-memory),
 * shared with ghc-megablock; this package keeps placement, MAP_FIXED, mremap
 * and the OSMemory calls.
 *
 * Locking. All of the above (header, page table, free-run index, annotation
 * table) lives in one buffer, a SharedArrayBuffer where the host has them (the
 * engine's SharedState; the index in it as free-run-layout.ts says). Every call
 * takes a futex-style Atomics lock in that buffer, so managers in several
 * workers attached to the same state over the same shared memory agree on every
 * page. A failed call throws before it changes any mapping.
 */
import {
  type Capabilities,
  checkDzmmapAnywhereArguments,
  checkDzmmapArguments,
  checkDzmmapPreferredArguments,
  checkFillArguments,
  checkMadviseArguments,
  checkMprotectArguments,
  checkMremapArguments,
  checkMunmapArguments,
  checkPanicArguments,
  checkReadArguments,
  checkSetAnnotationArguments,
  checkWriteArguments,
  formatProcMaps,
  HostProcess,
  isAccessible,
  type LinearMemory,
  type MadviseAdvice,
  type MappingInfo,
  type MapsLine,
  type MemoryCall,
  MemoryFault,
  type MemoryStats,
  type MmapAnnotation,
  MmapError,
  MmapProtection,
  type MmapStrategy,
  type MremapOptions,
  type OperatingSystem,
  type PageStateReporter,
  type PageStateRun,
  reportedAs,
  StatsRecorder,
} from "@osal/core";
import {
  AnnotationTable,
  decodeAttributes,
  encodeAttributes,
  isAccessibleAttribute,
  LinearMemoryEngine,
  PageState,
  withProtection,
} from "@osal/linear-memory";
import type { FreeRunIndex } from "./free-run-index.js";
import { resolveOptions, type WasmPageManagerOptions } from "./options.js";
import { Placement } from "./placement.js";
import { type RemapHost, remapPages } from "./remap.js";

/** What the wasm page manager does (see the capabilities table in the README). */
export const wasmPageManagerCapabilities: Capabilities = Object.freeze({
  fixed: true,
  noReplace: true,
  partialUnmap: true,
  remapInPlace: true,
  enforcesProtection: false,
  reservesWithoutCommit: false,
  returnsMemoryToHost: false,
  threadSafe: true,
  uninitialized: true,
  remapAcrossMappings: true,
  remapDontUnmap: true,
  remapFixed: true,
  setAnnotation: true,
});

/**
 * An {@link OperatingSystem} over one `WebAssembly.Memory`: a page table with
 * partial munmap, MAP_FIXED / MAP_FIXED_NOREPLACE, in-place mremap, zero tracking
 * and an Atomics lock for workers sharing the memory. Make one with
 * {@link createWasmPageManager}.
 */
export class WasmPageManager extends HostProcess implements OperatingSystem, PageStateReporter {
  readonly pageSize: number;
  readonly addressSpaceEnd: number;
  readonly capabilities: Capabilities = wasmPageManagerCapabilities;
  /** The linear memory this manager hands out. */
  readonly memory: LinearMemory;
  /** Mappings of at least this many bytes are aligned to it by default. */
  readonly largeMappingAlignment: number;

  /** Page table, zero marks, page source and lock (@osal/linear-memory). */
  private readonly engine: LinearMemoryEngine<FreeRunIndex>;
  private readonly states: Uint8Array;
  private readonly attributes: Uint8Array;
  private readonly annotationIds: Uint32Array;
  private readonly annotations: AnnotationTable;
  private readonly recorder = new StatsRecorder();
  /**
   * Arguments of the call in progress on the two hottest paths (dzmmapAnywhere,
   * munmap), so their bodies can be created once rather than as a closure per
   * call. Safe because an instance is used by one thread and bodies never re-enter.
   */
  private readonly call: {
    start: number;
    size: number;
    align: number;
    strategy: MmapStrategy | undefined;
    annotation: MmapAnnotation | undefined;
  } = { start: 0, size: 0, align: 0, strategy: undefined, annotation: undefined };
  /** The page table operations `mremap` (remap.ts) works with. */
  private readonly remapHost: RemapHost;
  /** Where new mappings go (placement.ts). */
  private readonly placement: Placement;

  /** Use {@link createWasmPageManager}. */
  constructor(options: WasmPageManagerOptions = {}) {
    super();
    const resolved = resolveOptions(options);
    this.pageSize = resolved.pageSize;
    this.addressSpaceEnd = resolved.addressSpaceEnd;
    this.memory = resolved.memory;
    this.largeMappingAlignment = resolved.largeMappingAlignment;
    this.engine = new LinearMemoryEngine({
      memory: this.memory,
      state: resolved.state,
      fresh: resolved.fresh,
      source: resolved.source,
      growth: resolved.growth,
      counters: this.recorder,
    });
    const engine = this.engine;
    this.states = engine.states;
    this.attributes = engine.attributes;
    this.annotationIds = engine.annotationIds;
    this.annotations = new AnnotationTable(engine.state);
    this.placement = new Placement(engine.state, engine, this.largeMappingAlignment);
    this.remapHost = {
      pageSize: this.pageSize,
      states: engine.states,
      attributes: engine.attributes,
      annotationIds: engine.annotationIds,
      zeroMarks: engine.zeroMarks,
      release: (first, count) => engine.unmap(first, count),
      assign: (first, count, attributes, id, keep) =>
        engine.map(first, count, attributes, id, keep),
      discard: (from, to) => engine.discard(from, to),
      claimAt: (first, count) => this.placement.tryClaimAt(first, count),
      placeMoved: (count) => {
        const size = count * this.pageSize;
        const align = this.placement.alignmentFor(this.pageSize, size) / this.pageSize;
        return this.placement.place(count, align, size, { call: "mremap" });
      },
      claimFixed: (first, count) => this.claimFixed("mremap", first, count, true, undefined),
      bytes: (end) => engine.bytes(end),
    };
    this.publishLevels();
  }

  /**
   * The state buffer (page table, index, lock). Post it, with the shared memory,
   * to another worker and call `createWasmPageManager({ memory, shared: { state } })`
   * there to get a manager that agrees with this one on every page.
   */
  get state(): SharedArrayBuffer | ArrayBuffer {
    return this.engine.state.buffer;
  }

  /** First page not yet accounted for (frontier of the page table). */
  get frontier(): number {
    return this.engine.frontier;
  }

  // ---- OSMemory ----

  dzmmap(start: number, size: number, strategy: MmapStrategy, annotation?: MmapAnnotation): void {
    this.recorder.track("mmap", () => {
      ({ strategy, annotation } = checkDzmmapArguments(this, start, size, strategy, annotation));
      this.lock();
      try {
        const first = start / this.pageSize;
        const count = size / this.pageSize;
        if (first + count > this.engine.frontier) this.engine.sync();
        this.checkFixed(first, count, strategy.replace, annotation);
        const id = this.annotations.intern(annotation);
        if (first + count > this.engine.frontier) {
          this.engine.extend(first + count);
          this.checkClaimed(first, count, annotation);
        }
        this.engine.map(
          first,
          count,
          attributesOf(strategy),
          id,
          0,
          strategy.uninitialized === true,
        );
      } finally {
        this.unlock();
      }
    });
  }

  dzmmapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number {
    const call = this.call;
    call.size = size;
    call.align = align;
    call.strategy = strategy;
    call.annotation = annotation;
    try {
      return this.recorder.track("mmap", this.mapAnywhereBody);
    } finally {
      call.strategy = undefined;
      call.annotation = undefined;
    }
  }

  /** The body of {@link WasmPageManager.dzmmapAnywhere}, arguments in {@link WasmPageManager.call}. */
  private readonly mapAnywhereBody = (): number => {
    const call = this.call;
    const {
      strategy,
      annotation,
      align: required,
    } = checkDzmmapAnywhereArguments(this, call.size, call.align, call.strategy, call.annotation);
    const size = call.size;
    const alignment = this.placement.alignmentFor(required, size);
    this.lock();
    try {
      const id = this.annotations.intern(annotation);
      const count = size / this.pageSize;
      const first = this.placement.place(count, alignment / this.pageSize, size, {
        annotation,
        fallback: required / this.pageSize,
      });
      this.engine.map(first, count, attributesOf(strategy), id, 0, strategy.uninitialized === true);
      return first * this.pageSize;
    } finally {
      this.unlock();
    }
  };

  dzmmapPreferred(
    start: number,
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number {
    return this.recorder.track("mmap", () => {
      const checked = checkDzmmapPreferredArguments(this, start, size, align, strategy, annotation);
      ({ strategy, annotation } = checked);
      const required = checked.align;
      const alignment = this.placement.alignmentFor(required, size);
      return this.locked(() => {
        const id = this.annotations.intern(annotation);
        const count = size / this.pageSize;
        let first = start / this.pageSize;
        // A free hint is used whatever the large-mapping alignment (a preference
        // for placing, not a rule), as Linux honours a free hint; never page 0.
        if (!(first > 0 && start % required === 0 && this.placement.tryClaimAt(first, count))) {
          first = this.placement.place(count, alignment / this.pageSize, size, {
            annotation,
            fallback: required / this.pageSize,
          });
        }
        this.engine.map(
          first,
          count,
          attributesOf(strategy),
          id,
          0,
          strategy.uninitialized === true,
        );
        return first * this.pageSize;
      });
    });
  }

  munmap(start: number, size: number): void {
    this.call.start = start;
    this.call.size = size;
    this.recorder.track("munmap", this.unmapBody);
  }

  /** The body of {@link WasmPageManager.munmap}, arguments in {@link WasmPageManager.call}. */
  private readonly unmapBody = (): void => {
    const { start, size } = this.call;
    checkMunmapArguments(this, start, size);
    this.lock();
    try {
      this.engine.unmap(start / this.pageSize, size / this.pageSize);
    } finally {
      this.unlock();
    }
  };

  mremap(start: number, oldSize: number, newSize: number, given?: MremapOptions): number {
    return this.recorder.track("mremap", () => {
      const options = checkMremapArguments(this, start, oldSize, newSize, given);
      return this.lockedAs("mremap", () =>
        remapPages(this.remapHost, start, oldSize, newSize, options),
      );
    });
  }

  setMemoryAccess(start: number, size: number, prot: MmapProtection): void {
    this.recorder.track("mprotect", () => {
      checkMprotectArguments(this, start, size, prot);
      this.locked(() => {
        const first = start / this.pageSize;
        const count = size / this.pageSize;
        this.requireAllocated("mprotect", first, count, "ENOMEM");
        const attributes = this.attributes;
        for (let page = first; page < first + count; page++) {
          attributes[page] = withProtection(attributes[page]!, prot);
        }
        if (isAccessible(prot)) this.engine.open(first, first + count);
      });
    });
  }

  madvise(start: number, size: number, advice: MadviseAdvice): void {
    this.recorder.track("madvise", () => {
      checkMadviseArguments(this, start, size, advice);
      this.locked(() => {
        const first = start / this.pageSize;
        const count = size / this.pageSize;
        this.requireAllocated("madvise", first, count, "ENOMEM");
        if (advice === "dontneed") this.engine.discard(first, first + count);
        if (advice === "hugepage" || advice === "nohugepage") {
          const attributes = this.attributes;
          const hugePage = advice === "hugepage" ? "TransparentHugePages" : "No";
          for (let page = first; page < first + count; page++) {
            const { prot, reserve } = decodeAttributes(attributes[page]!);
            attributes[page] = encodeAttributes(prot, reserve, hugePage);
          }
        }
      });
    });
  }

  /**
   * Names every page of the range (`PR_SET_VMA_ANON_NAME`); `ENOMEM`, nothing
   * renamed, if any page is unmapped (Linux renames the mapped parts and then
   * says `ENOMEM`; osal's failed calls change nothing).
   */
  setAnnotation(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    annotation = checkSetAnnotationArguments(this, start, size, annotation);
    this.locked(() => {
      const first = start / this.pageSize;
      const count = size / this.pageSize;
      this.requireAllocated("prctl", first, count, "ENOMEM");
      this.annotationIds.fill(this.annotations.intern(annotation), first, first + count);
    });
  }

  panicIfUnmapped(start: number, size: number): void {
    checkPanicArguments(this, start, size);
    this.locked(() =>
      this.requireAllocated("mmap", start / this.pageSize, size / this.pageSize, "EFAULT"),
    );
  }

  isMmapOom(error: unknown): boolean {
    return error instanceof MmapError && error.code === "ENOMEM";
  }

  getSystemTotalMemory(): number {
    return this.addressSpaceEnd;
  }

  getMappings(): readonly MappingInfo[] {
    return this.locked(() => {
      const out: MappingInfo[] = [];
      this.forEachRun((from, to, state, attributes, id) => {
        if (state !== PageState.Allocated) return;
        out.push({
          start: from * this.pageSize,
          end: to * this.pageSize,
          ...decodeAttributes(attributes),
          annotation: this.annotations.lookup(id),
        });
      });
      return out;
    });
  }

  stats(): MemoryStats {
    this.publishLevels();
    // Linear memory never shrinks, so the current size is also the peak.
    this.recorder.setFootprint(this.memory.buffer.byteLength);
    return this.recorder.snapshot();
  }

  // ---- OSProcess ----

  /**
   * The regions in `/proc/self/maps` form: every mapping with its annotation, and
   * memory that belongs to someone else (the guest's data and heap, memory grown
   * behind the manager's back) as `[heap]`. Free pages are not listed.
   */
  getProcessMemoryMaps(): string {
    return this.locked(() => {
      this.engine.observe();
      const lines: MapsLine[] = [];
      this.forEachRun((from, to, state, attributes, id) => {
        const start = from * this.pageSize;
        const end = to * this.pageSize;
        if (state === PageState.External) {
          lines.push({ start, end, prot: MmapProtection.ReadWrite, name: "[heap]" });
        } else if (state === PageState.Allocated) {
          const { prot } = decodeAttributes(attributes);
          lines.push({ start, end, prot, annotation: this.annotations.lookup(id) });
        }
      });
      return formatProcMaps(lines);
    });
  }

  /**
   * The unmapped pages of the memory as runs: free and known zero (never handed
   * out), free and dirty (zeroed when next mapped), or someone else's (external).
   */
  pageStates(): readonly PageStateRun[] {
    return this.locked(() => {
      this.engine.observe();
      const runs: PageStateRun[] = [];
      this.forEachRun((from, to, state) => {
        const kind = unmappedStateName(state);
        if (kind) runs.push({ start: from * this.pageSize, end: to * this.pageSize, state: kind });
      });
      return runs;
    });
  }

  // ---- MemoryAccess ----

  read(address: number, length: number): Uint8Array {
    checkReadArguments(address, length);
    return this.locked(() => {
      this.checkAccessible("read", address, length);
      return this.engine.bytes(address + length).slice(address, address + length);
    });
  }

  write(address: number, bytes: Uint8Array): void {
    checkWriteArguments(address, bytes);
    this.locked(() => {
      this.checkAccessible("write", address, bytes.length);
      // Nothing to write: valid even past the end of the current memory.
      if (bytes.length === 0) return;
      this.engine.bytes(address + bytes.length).set(bytes, address);
    });
  }

  fill(address: number, length: number, value: number): void {
    checkFillArguments(address, length, value);
    this.locked(() => {
      this.checkAccessible("fill", address, length);
      this.engine.bytes(address + length).fill(value, address, address + length);
    });
  }

  // ---- internals (all called with the lock held) ----

  /**
   * {@link WasmPageManager.locked} for a call whose body uses helpers that report
   * for `mmap` (placement, growing): their errors say `call` instead.
   */
  private lockedAs<T>(call: MemoryCall, body: () => T): T {
    try {
      return this.locked(body);
    } catch (error) {
      throw reportedAs(error, call);
    }
  }

  /** Runs `body` holding the state lock (see {@link WasmPageManager.lock}). */
  private locked<T>(body: () => T): T {
    this.lock();
    try {
      return body();
    } finally {
      this.unlock();
    }
  }

  /**
   * Takes the state lock. Memory others grew meanwhile only matters at and above
   * the frontier, so it is accounted for (`source.sync`) by the paths that reach
   * there, not on every call.
   */
  private lock(): void {
    this.engine.lock();
  }

  /** Releases the state lock and records the mapped level (its peak is kept per call). */
  private unlock(): void {
    this.recorder.setMapped(this.engine.mappedPages * this.pageSize);
    this.engine.unlock();
  }

  /** Brings the levels the recorder reports up to date with the shared state. */
  private publishLevels(): void {
    this.recorder.setMapped(this.engine.mappedPages * this.pageSize);
    this.recorder.setCommitted(this.engine.committedPages * this.pageSize);
  }

  /**
   * Makes `[first, first + count)` ours for a fixed placement without mapping
   * anything: `ENOTSUP` on someone else's pages, `EEXIST` on mapped ones unless
   * `replace`, `ENOMEM` when the memory cannot grow that far.
   */
  private claimFixed(
    call: MemoryCall,
    first: number,
    count: number,
    replace: boolean,
    annotation: MmapAnnotation | undefined,
  ): void {
    if (first + count > this.engine.frontier) this.engine.sync();
    this.checkFixed(first, count, replace, annotation, call);
    if (first + count > this.engine.frontier) {
      this.engine.extend(first + count);
      this.checkClaimed(first, count, annotation, call);
    }
  }

  /** MAP_FIXED checks: external pages → ENOTSUP; with noreplace, mapped pages → EEXIST. */
  private checkFixed(
    first: number,
    count: number,
    replace: boolean,
    annotation: MmapAnnotation | undefined,
    call: MemoryCall = "mmap",
  ): void {
    const states = this.states;
    let mapped = false;
    for (let page = first; page < first + count; page++) {
      const state = states[page];
      if (state === PageState.External) {
        throw new MmapError({
          code: "ENOTSUP",
          syscall: call,
          address: page * this.pageSize,
          size: count * this.pageSize,
          annotation,
          detail:
            "the range holds memory this manager does not own (the guest's or grown by another party)",
        });
      }
      if (state === PageState.Allocated) mapped = true;
    }
    if (mapped && !replace) {
      throw new MmapError({
        code: "EEXIST",
        syscall: "mmap",
        address: first * this.pageSize,
        size: count * this.pageSize,
        annotation,
        detail: "the range overlaps an existing mapping",
      });
    }
  }

  /** After growing for a fixed mapping: every page must now be ours. */
  private checkClaimed(
    first: number,
    count: number,
    annotation: MmapAnnotation | undefined,
    call: MemoryCall = "mmap",
  ): void {
    if (first + count > this.engine.frontier) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: call,
        address: first * this.pageSize,
        size: count * this.pageSize,
        annotation,
        detail: "the memory could not grow far enough",
      });
    }
    this.checkFixed(first, count, true, annotation, call);
  }

  /** Throws `code` unless every page of the range is allocated. */
  private requireAllocated(
    call: MemoryCall | "prctl",
    first: number,
    count: number,
    code: "EFAULT" | "ENOMEM",
  ): void {
    const states = this.states;
    for (let page = first; page < first + count; page++) {
      if (states[page] !== PageState.Allocated) {
        throw new MmapError({
          code,
          syscall: call,
          address: first * this.pageSize,
          size: count * this.pageSize,
          detail: `page ${(page * this.pageSize).toString(16)} is not mapped`,
        });
      }
    }
  }

  /** MemoryFault unless every byte of the access is in an accessible mapping. */
  private checkAccessible(call: "read" | "write" | "fill", address: number, length: number): void {
    if (length === 0) return;
    const end = address + length;
    const firstPage = Math.floor(address / this.pageSize);
    const endPage = Math.ceil(end / this.pageSize);
    for (let page = firstPage; page < endPage; page++) {
      const mapped = page < this.engine.totalPages && this.states[page] === PageState.Allocated;
      if (!mapped || !isAccessibleAttribute(this.attributes[page]!)) {
        throw new MemoryFault({
          syscall: call,
          address,
          size: length,
          faultAddress: Math.max(address, page * this.pageSize),
          reason: mapped ? "protection" : "unmapped",
        });
      }
    }
  }

  /** Calls `visit` for each maximal run of pages below the frontier with equal state, attributes and annotation. */
  private forEachRun(
    visit: (from: number, to: number, state: number, attributes: number, id: number) => void,
  ): void {
    const { states, attributes, annotationIds } = this;
    const end = this.engine.frontier;
    let from = 0;
    while (from < end) {
      const state = states[from]!;
      const allocated = state === PageState.Allocated;
      const attribute = allocated ? attributes[from]! : 0;
      const id = allocated ? annotationIds[from]! : 0;
      let to = from + 1;
      while (
        to < end &&
        states[to] === state &&
        (!allocated || (attributes[to] === attribute && annotationIds[to] === id))
      ) {
        to++;
      }
      visit(from, to, state, attribute, id);
      from = to;
    }
  }
}

/** The page-state name of an unmapped page table state, `undefined` for mapped pages. */
function unmappedStateName(state: number): PageStateRun["state"] | undefined {
  if (state === PageState.FreeZeroed) return "free-zeroed";
  if (state === PageState.FreeDirty) return "free-dirty";
  if (state === PageState.External) return "external";
  return undefined;
}

function attributesOf(strategy: MmapStrategy): number {
  return encodeAttributes(strategy.prot, strategy.reserve, strategy.hugePage);
}

/**
 * Makes a page manager over a `WebAssembly.Memory` (given or created): the
 * `OperatingSystem` for wasm runtimes that need real mmap semantics. See
 * {@link WasmPageManagerOptions} for the memory, page size, source and sharing.
 * Throws `EINVAL` on bad options.
 */
export function createWasmPageManager(options: WasmPageManagerOptions = {}): WasmPageManager {
  return new WasmPageManager(options);
}
