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
 * outweighs 3 500 mappings. Rejected: doubling from 256 MiB (coreclr reserves
 * 256 MiB and mmtk peaks at 260–288 MiB: each would end at 512 MiB), a quarter
 * below 512 MiB (doubles every workload's footprint cost for about 8 fewer
 * calls), and a step that adapts to the time measured around each grow (would
 * reach the share, but makes footprints depend on the machine's load).
 *
 * Placement. `node packages/wasm-page-manager/bench/placement-figures.mjs`
 * prints footprint ÷ peak mapped for zend (20 000 steps, seeds 1–8), sgen and
 * dlmalloc mmap-only (Debian's copy, built at run time), and zend's footprint
 * ÷ its 2 MiB alignment floor. Address-ordered first fit, exact growth: zend
 * 1.299–1.394 ÷ peak mapped, 1.143–1.227 ÷ floor, 415–466 failed calls; sgen
 * 1.015 (seed 1); dlmalloc 8000 steps, driver seeds 1, 3, …, 15: 1.114–1.254
 * (64 KiB pages), 1.121–1.302 (4 KiB); the default growth adds its one step
 * (zend seed 2: 184.1 → 205.1 MiB). Tried
 * against it on zend seeds 1–3 (÷ peak mapped, ÷ floor, failed calls): best
 * fit over the free runs 1.318–1.436, 1.160–1.263, 471–511; best fit for
 * 2 MiB-or-larger mappings only 1.306–1.450, 1.165–1.277, 466–514; large
 * mappings at the frontier unless a hole fits exactly 31.0 (never reused
 * under exact growth); partial-slot blocks in the run with the most room after
 * them 2.06–2.62, 1.84–2.31, 296–332. On dlmalloc (64 KiB pages, driver
 * seeds 1, 3, 5, 7, 9):
 * best fit 1.165–1.226; sub-256 KiB mappings top-down in the highest hole
 * 1.164–1.258; best fit for 256 KiB and up 1.147–1.200. None beats first fit
 * on both zend figures, so first fit stays. dlmalloc's waste comes from its
 * mmaps (counted with a wrapper, seeds 1, 3, 5, 7: 47–58 of 271–300 grow the
 * memory; 0–1 moving mremaps do), not from mremap. The variants were measured
 * with a temporary chooser (a scan of the free runs), not kept. Not reached:
 * ≤ 1.15 ÷ peak mapped (zend, dlmalloc) and ≤ 1.05 ÷ floor (zend). One known
 * cost: page 0 is never handed out, so zend's first 2 MiB slot holds no chunk
 * (2 of its 150 MiB floor). Where zend's growth goes (seeds 1, 2, 6, counted
 * with a wrapper): 29–47 of its 86–92 slots are grown for 1-slot chunks (no
 * free aligned slot), the rest for huge blocks of 2–8 slots that find no contiguous
 * run (seed 2: 24 slots for 8-slot blocks alone) and 2–10 for moving mremaps.
 * The floor ignores contiguity, so it is not reachable by placement alone.
 */
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
 * read them, see Note [Lazy zeroing]. The bytes written are counted in
 * `stats().zeroedBytes`, exactly, when they are written.
 *
 * Sources. `memory.grow` by default (wasi-libc's sbrk reads memory.size, so it
 * never hands out what we grew); or the guest's exported `sbrk` (Emscripten keeps
 * its own break, so memory grown behind its back would be given out twice).
 * Either way, whatever appears below the frontier that we did not claim is marked
 * External (page-source.ts), as soon as a call reaches the frontier (memory others
 * grow can only appear there, so calls below it need not look). Memory is never
 * returned to the host. Growth goes in steps, see Note [Growth policy]
 * (page-source.ts): pages grown ahead are FreeZeroed.
 *
 * Note [Lazy zeroing]
 * ~~~~~~~~~~~~~~~~~~~~
 * A `NoAccess` page cannot be read through this backend, so bytes it must read as
 * zero need not be written until it becomes accessible. GCs release memory exactly
 * that way: MMTk maps a freed chunk again as QUARANTINE (`NoAccess`, MAP_FIXED),
 * CoreCLR decommits the same way where MAP_FIXED exists (else with
 * madvise(dontneed) + `NoAccess`), and both open the range again later
 * (MAP_FIXED read-write, or mprotect). Zeroing at release and again at
 * reuse wrote every such page twice; zeroing at release, when the range is never
 * reused, wrote it for nobody. So each allocated page carries a zero mark beside
 * its state (ZeroMark, in the shared state, under the lock like the rest):
 *   - Dirty: its bytes are its contents (it is, or was, accessible).
 *   - Pending: it must read as zero once accessible but still holds old bytes.
 *   - Zero: it is known to read as zero (mapped `NoAccess` over FreeZeroed or Zero
 *     pages, never accessible since).
 * Only `NoAccess` pages are ever Pending or Zero. The transitions:
 *   - mapping `NoAccess` (any dzmmap*, also MAP_FIXED over a mapping): FreeZeroed
 *     and Zero pages become Zero, every other page Pending; nothing is written.
 *   - mapping accessible: FreeDirty, Dirty and Pending pages are zeroed now (a guest
 *     may load from them directly), and all become Dirty.
 *   - madvise(dontneed): accessible pages are zeroed now; `NoAccess` Dirty pages
 *     become Pending (Pending and Zero stay).
 *   - mprotect to an accessible protection: Pending pages are zeroed now, and all
 *     become Dirty (a commit of committed memory keeps its bytes, as on Linux);
 *     mprotect to `NoAccess` changes no mark (the bytes stay, as on Linux).
 *   - mapping with `strategy.uninitialized` (MAP_UNINITIALIZED): nothing is zeroed,
 *     every page not known zero becomes Dirty (its old bytes are its contents) and
 *     is counted in `uninitializedBytes`; known-zero pages keep their Zero mark.
 *   - munmap: a Zero page becomes FreeZeroed, any other FreeDirty, so a Pending
 *     page is zeroed when it is next mapped accessible, never handed out as zero.
 *   - mremap moving the mapping: Dirty pages are copied; a Pending or Zero page is
 *     not (it has no contents), its new page becomes Zero if that was FreeZeroed,
 *     else Pending: carrying the mark writes nothing, zeroing first then copying
 *     would write the page twice. Growing in place maps the new pages as above.
 * So quarantine, quarantine again, then open zeroes each page once; decommit then
 * commit zeroes once; a chunk quarantined over fresh memory and later mapped
 * read-write is never zeroed. The assumption, shared with every backend here
 * (`enforcesProtection` false): nobody stores into a `NoAccess` page directly,
 * which on a real OS would fault.
 *
 * Locking. All of the above (header, page table, index, annotation table) lives in
 * one buffer, a SharedArrayBuffer where the host has them (shared-state.ts).
 * Every call takes a futex-style Atomics lock in that buffer (state-lock.ts), so
 * managers in several workers attached to the same state over the same shared
 * memory agree on every page. A failed call throws before it changes any mapping.
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
import { AnnotationTable } from "./annotation-table.js";
import { resolveOptions, type WasmPageManagerOptions } from "./options.js";
import { GrowSource, type PageSource, SbrkSource } from "./page-source.js";
import {
  decodeAttributes,
  encodeAttributes,
  isAccessibleAttribute,
  isPlaceable,
  isReservedAttribute,
  PageState,
  withProtection,
  ZeroMark,
} from "./page-state.js";
import { Placement } from "./placement.js";
import { type RemapHost, remapPages } from "./remap.js";
import { Header, type SharedState } from "./shared-state.js";

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

  private readonly shared: SharedState;
  private readonly states: Uint8Array;
  private readonly attributes: Uint8Array;
  private readonly annotationIds: Uint32Array;
  private readonly zeroMarks: Uint8Array;
  private readonly source: PageSource;
  private readonly annotations: AnnotationTable;
  private readonly recorder = new StatsRecorder();
  private view: Uint8Array = new Uint8Array(0);
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
    this.shared = resolved.state;
    this.states = this.shared.states;
    this.attributes = this.shared.attributes;
    this.annotationIds = this.shared.annotationIds;
    this.zeroMarks = this.shared.zeroMarks;
    this.remapHost = {
      pageSize: this.pageSize,
      states: this.states,
      attributes: this.attributes,
      annotationIds: this.annotationIds,
      zeroMarks: this.zeroMarks,
      release: (first, count) => this.release(first, count),
      assign: (first, count, attributes, id, keep) =>
        this.assign(first, count, attributes, id, keep),
      discard: (from, to) => this.discard(from, to),
      claimAt: (first, count) => this.placement.tryClaimAt(first, count),
      placeMoved: (count) => {
        const size = count * this.pageSize;
        const align = this.placement.alignmentFor(this.pageSize, size) / this.pageSize;
        return this.placement.place(count, align, size, { call: "mremap" });
      },
      claimFixed: (first, count) => this.claimFixed("mremap", first, count, true, undefined),
      bytes: (end) => this.bytes(end),
    };
    this.annotations = new AnnotationTable(this.shared);
    this.source =
      resolved.source === "grow"
        ? new GrowSource(this.memory, this.pageSize, resolved.growth, this.addressSpaceEnd)
        : new SbrkSource(
            resolved.source,
            this.memory,
            this.pageSize,
            resolved.growth,
            this.addressSpaceEnd,
          );
    const shared = this.shared;
    const source = this.source;
    this.placement = new Placement(
      shared,
      {
        sync: () => source.sync(shared),
        extend: (endPage) => source.extend(shared, endPage),
        returnedFrom: () =>
          source instanceof SbrkSource ? source.returnedFrom(shared) : undefined,
      },
      this.largeMappingAlignment,
    );
    this.shared.lock.acquire();
    try {
      if (resolved.fresh) {
        const frontier = Math.min(this.source.initialFrontier(), this.shared.totalPages);
        this.shared.external(0, frontier);
        // Address 0 is NULL: page 0 is never chosen for a mapping (MAP_FIXED may still ask for it).
        if (isPlaceable(this.states[0]!)) this.shared.index.set(0, 1, false);
      }
      this.source.sync(this.shared);
    } finally {
      this.shared.lock.release();
    }
    this.publishLevels();
  }

  /**
   * The state buffer (page table, index, lock). Post it, with the shared memory,
   * to another worker and call `createWasmPageManager({ memory, shared: { state } })`
   * there to get a manager that agrees with this one on every page.
   */
  get state(): SharedArrayBuffer | ArrayBuffer {
    return this.shared.buffer;
  }

  /** First page not yet accounted for (frontier of the page table). */
  get frontier(): number {
    return this.shared.frontier;
  }

  // ---- OSMemory ----

  dzmmap(start: number, size: number, strategy: MmapStrategy, annotation?: MmapAnnotation): void {
    this.recorder.track("mmap", () => {
      ({ strategy, annotation } = checkDzmmapArguments(this, start, size, strategy, annotation));
      this.lock();
      try {
        const first = start / this.pageSize;
        const count = size / this.pageSize;
        if (first + count > this.shared.frontier) this.source.sync(this.shared);
        this.checkFixed(first, count, strategy.replace, annotation);
        const id = this.annotations.intern(annotation);
        if (first + count > this.shared.frontier) {
          this.source.extend(this.shared, first + count);
          this.checkClaimed(first, count, annotation);
        }
        this.assign(first, count, attributesOf(strategy), id, 0, strategy.uninitialized === true);
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
      this.assign(first, count, attributesOf(strategy), id, 0, strategy.uninitialized === true);
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
        this.assign(first, count, attributesOf(strategy), id, 0, strategy.uninitialized === true);
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
      this.release(start / this.pageSize, size / this.pageSize);
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
        if (isAccessible(prot)) this.settle(first, first + count);
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
        if (advice === "dontneed") this.discard(first, first + count);
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
      if (this.source instanceof SbrkSource) this.source.observe(this.shared);
      else this.source.sync(this.shared);
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
      if (this.source instanceof SbrkSource) this.source.observe(this.shared);
      else this.source.sync(this.shared);
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
      return this.bytes(address + length).slice(address, address + length);
    });
  }

  write(address: number, bytes: Uint8Array): void {
    checkWriteArguments(address, bytes);
    this.locked(() => {
      this.checkAccessible("write", address, bytes.length);
      // Nothing to write: valid even past the end of the current memory.
      if (bytes.length === 0) return;
      this.bytes(address + bytes.length).set(bytes, address);
    });
  }

  fill(address: number, length: number, value: number): void {
    checkFillArguments(address, length, value);
    this.locked(() => {
      this.checkAccessible("fill", address, length);
      this.bytes(address + length).fill(value, address, address + length);
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
    this.shared.lock.acquire();
  }

  /** Releases the state lock and records the mapped level (its peak is kept per call). */
  private unlock(): void {
    this.recorder.setMapped(this.shared.mappedPages * this.pageSize);
    this.shared.lock.release();
  }

  /** Brings the levels the recorder reports up to date with the shared state. */
  private publishLevels(): void {
    this.recorder.setMapped(this.shared.mappedPages * this.pageSize);
    this.recorder.setCommitted(this.shared.header[Header.CommittedPages]! * this.pageSize);
  }

  /**
   * The memory's bytes up to at least `end`, through a cached view: a view of a
   * buffer detached by growth has length 0, and a shared memory's old buffer is
   * too short for pages grown since, so either way it is renewed when needed.
   */
  private bytes(end: number): Uint8Array {
    if (this.view.byteLength < end) this.view = new Uint8Array(this.memory.buffer);
    return this.view;
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
    if (first + count > this.shared.frontier) this.source.sync(this.shared);
    this.checkFixed(first, count, replace, annotation, call);
    if (first + count > this.shared.frontier) {
      this.source.extend(this.shared, first + count);
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
    if (first + count > this.shared.frontier) {
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

  /**
   * Maps pages `[first, first + count)`, all owned (free or allocated). From
   * `first + keep` on (the first `keep` pages are about to be filled by the caller,
   * a move, which also sets their zero marks): with an accessible protection, the
   * pages that may hold old bytes are zeroed and counted; with `NoAccess` nothing
   * is written, each page is marked `Zero` (known zero) or `Pending` (zeroed when
   * made accessible), see Note [Lazy zeroing].
   */
  private assign(
    first: number,
    count: number,
    attributes: number,
    id: number,
    keep: number,
    uninitialized = false,
  ): void {
    const states = this.states;
    const attributeBytes = this.attributes;
    const annotationIds = this.annotationIds;
    const marks = this.zeroMarks;
    const lazy = !isAccessibleAttribute(attributes);
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
        const zero =
          state === PageState.FreeZeroed ||
          (state === PageState.Allocated && marks[page] === ZeroMark.Zero);
        if (uninitialized) {
          // MAP_UNINITIALIZED: old bytes are the new contents, nothing is written.
          marks[page] = zero && lazy ? ZeroMark.Zero : ZeroMark.Dirty;
          if (!zero) handedDirty++;
        } else if (lazy) {
          marks[page] = zero ? ZeroMark.Zero : ZeroMark.Pending;
        } else {
          marks[page] = ZeroMark.Dirty;
          dirty = !zero;
        }
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
    if (handedDirty > 0) this.recorder.addUninitialized(handedDirty * this.pageSize);
    this.shared.index.set(first, end, false);
    const header = this.shared.header;
    header[Header.MappedPages] = header[Header.MappedPages]! + added;
    header[Header.CommittedPages] =
      header[Header.CommittedPages]! + (isReservedAttribute(attributes) ? count : 0) - uncommitted;
  }

  /**
   * Allocated pages `[from, to)` just became accessible: the `Pending` ones are
   * zeroed now (and counted), and every mark is settled to `Dirty`.
   */
  private settle(from: number, to: number): void {
    const marks = this.zeroMarks;
    let runStart = -1;
    for (let page = from; page < to; page++) {
      if (marks[page] === ZeroMark.Pending) {
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
   * madvise(dontneed) over allocated pages `[from, to)`: accessible pages are zeroed
   * now (a guest may load from them directly); `NoAccess` pages that hold bytes
   * are only marked `Pending`.
   */
  private discard(from: number, to: number): void {
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
      if (marks[page] === ZeroMark.Dirty) marks[page] = ZeroMark.Pending;
    }
    if (runStart >= 0) this.zero(runStart, to);
  }

  /** Unmaps the allocated pages of `[first, first + count)`; others are left alone. */
  private release(first: number, count: number): void {
    const states = this.states;
    const index = this.shared.index;
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
        states[page] = marks[page] === ZeroMark.Zero ? PageState.FreeZeroed : PageState.FreeDirty;
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
    const header = this.shared.header;
    header[Header.MappedPages] = header[Header.MappedPages]! - freed;
    header[Header.CommittedPages] = header[Header.CommittedPages]! - uncommitted;
  }

  /** Writes zeros over pages `[from, to)` and counts them. */
  private zero(from: number, to: number): void {
    if (to <= from) return;
    this.bytes(to * this.pageSize).fill(0, from * this.pageSize, to * this.pageSize);
    this.recorder.addZeroed((to - from) * this.pageSize);
  }

  /** MemoryFault unless every byte of the access is in an accessible mapping. */
  private checkAccessible(call: "read" | "write" | "fill", address: number, length: number): void {
    if (length === 0) return;
    const end = address + length;
    const firstPage = Math.floor(address / this.pageSize);
    const endPage = Math.ceil(end / this.pageSize);
    for (let page = firstPage; page < endPage; page++) {
      const mapped = page < this.shared.totalPages && this.states[page] === PageState.Allocated;
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
    const end = this.shared.frontier;
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
