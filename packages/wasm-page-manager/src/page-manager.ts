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
 * The page table, its zero marks, the page sources and the lock are the
 * linear-memory engine (@osal/linear-memory, shared with ghc-megablock).
 *
 * Call path. The public calls are core's MemoryBackend (@osal/core): argument
 * checks in core's order, stats, EEXIST / ENOMEM / EFAULT over holes, access
 * faults, isMmapOom, all derived from `mappedRuns`; this class implements its
 * primitives under the state lock (`locked`), and core's `mapsLines` hook to
 * list others' memory as `[heap]` beside the mappings. Measured
 * against the page manager's own call path just before (4 KiB pages, medians of
 * 5 side-by-side runs): 100 000 map/unmap ×1.02, 300 000 8-byte write+read
 * ×1.28, 100 000 mprotect ×1.15. `mappedRuns` as a generator (rejected) made
 * the write+read ×1.67; it returns an array.
 *
 * Files. This one is the facade: the primitives in terms of the modules named
 * after what they hold:
 * placement.ts (where mappings go), free-run-index.ts and free-run-layout.ts
 * (the index and its place in the shared state), range-checks.ts (MAP_FIXED
 * claims), page-attributes.ts (mprotect and
 * huge page hints), remap.ts (mremap), listings.ts (mappings, maps, page
 * states), options.ts and capabilities.ts.
 *
 * Index. A segment tree over the pages (free-run-index.ts) keeps, per node, the
 * longest free run and the free runs touching its two ends. "Free" there means
 * FreeZeroed, FreeDirty or Unclaimed, so the tail of memory and the room the
 * memory can still grow into are one run: a mapping that does not fit in a hole
 * lands on the last free pages and grows the memory only by what is missing.
 * Finding the lowest aligned fit descends only into subtrees whose longest run is
 * long enough: O(log n) however full and fragmented the table is (mwpm scans).
 * A change reaches the inner nodes at the next search, so a mapping unmapped
 * before it (churn) costs two node updates instead of one walk to the root.
 * Nodes hold how far they fall short of all-free, so the zeroed state is an
 * all-free tree and only the nodes mappings reach are ever written (a fresh
 * manager of 4 KiB pages over 4 GiB: 0.1 MiB resident, 24 MiB when built eagerly).
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
 * page-source.ts): pages grown ahead are FreeZeroed.
 *
 * Locking. All of the above (header, page table, free-run index, annotation
 * table) lives in one buffer, a SharedArrayBuffer where the host has them (the
 * engine's SharedState; the index in it as free-run-layout.ts says). Every call
 * over a shared memory takes a futex-style Atomics lock in that buffer, so
 * managers in several workers attached to the same state agree on every page;
 * over a non-shared memory, which no other thread can reach, it takes none. A
 * failed call throws before it changes any mapping.
 */
import {
  type BackendCall,
  type Capabilities,
  currentByteLength,
  type LinearMemory,
  type MadviseAdvice,
  type MappedRun,
  type MappingInfo,
  type MapsLine,
  MemoryBackend,
  type MmapAnnotation,
  type MmapProtection,
  type MmapStrategy,
  type OperatingSystem,
  type PageStateReporter,
  type PageStateRun,
  type RemapSource,
  reportedAs,
} from "@osal/core";
import {
  AnnotationTable,
  encodeAttributes,
  LinearMemoryEngine,
  PageState,
  protectionOf,
} from "@osal/linear-memory";
import { wasmPageManagerCapabilities } from "./capabilities.js";
import type { FreeRunIndex } from "./free-run-index.js";
import { listMappings, listMapsLines, listPageStates } from "./listings.js";
import { resolveOptions, type WasmPageManagerOptions } from "./options.js";
import { hintHugePages, protectPages } from "./page-attributes.js";
import { Placement } from "./placement.js";
import { checkClaimed, checkFixed } from "./range-checks.js";
import { mappingEnd, moveTo, type RemapHost, remapHostOver, remapPages } from "./remap.js";

/**
 * An {@link OperatingSystem} over one `WebAssembly.Memory`: a page table with
 * partial munmap, MAP_FIXED / MAP_FIXED_NOREPLACE, in-place mremap, zero tracking
 * and an Atomics lock for workers sharing the memory. Make one with
 * {@link createWasmPageManager}.
 */
export class WasmPageManager extends MemoryBackend implements OperatingSystem, PageStateReporter {
  readonly pageSize: number;
  readonly addressSpaceEnd: number;
  readonly capabilities: Capabilities = wasmPageManagerCapabilities;
  /** The linear memory this manager hands out. */
  readonly memory: LinearMemory;
  /** Mappings of at least this many bytes are aligned to it by default. */
  readonly largeMappingAlignment: number;

  /** Page table, zero marks, page source and lock (@osal/linear-memory). */
  private readonly engine: LinearMemoryEngine<FreeRunIndex>;
  private readonly annotations: AnnotationTable;
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
    this.annotations = new AnnotationTable(this.engine.state);
    this.placement = new Placement(this.engine.state, this.engine, this.largeMappingAlignment);
    this.remapHost = remapHostOver(this.engine, this.placement);
    this.measureLevels();
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

  // ---- mapping primitives (called by MemoryBackend under the lock) ----

  /**
   * MAP_FIXED over someone else's pages is `ENOTSUP` before anything else about
   * the range (as before the shared call path: even MAP_FIXED_NOREPLACE over
   * external and mapped pages says `ENOTSUP`, not `EEXIST`).
   */
  protected override admit(
    call: BackendCall,
    start: number | undefined,
    size: number,
    annotation: MmapAnnotation | undefined,
  ): void {
    if (call !== "dzmmap" || start === undefined) return;
    const engine = this.engine;
    const first = start / this.pageSize;
    const count = size / this.pageSize;
    this.locked(() => {
      if (first + count > engine.frontier) engine.sync();
      checkFixed(engine, first, count, true, annotation);
    });
  }

  protected mapFixed(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): void {
    const engine = this.engine;
    const first = start / this.pageSize;
    const count = size / this.pageSize;
    if (first + count > engine.frontier) engine.sync();
    checkFixed(engine, first, count, strategy.replace, annotation);
    const id = this.annotations.intern(annotation);
    if (first + count > engine.frontier) {
      engine.extend(first + count);
      checkClaimed(engine, first, count, annotation);
    }
    engine.map(first, count, attributesOf(strategy), id, 0, strategy.uninitialized === true);
  }

  protected mapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): number {
    const id = this.annotations.intern(annotation);
    const count = size / this.pageSize;
    const alignment = this.placement.alignmentFor(align, size);
    const first = this.placement.place(
      count,
      alignment / this.pageSize,
      size,
      annotation,
      align / this.pageSize,
    );
    this.engine.map(first, count, attributesOf(strategy), id, 0, strategy.uninitialized === true);
    return first * this.pageSize;
  }

  /**
   * A free hint is used whatever the large-mapping alignment (a preference for
   * placing, not a rule), as Linux honours a free hint; never page 0.
   */
  protected override mapAtHint(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): boolean {
    const id = this.annotations.intern(annotation);
    const first = start / this.pageSize;
    const count = size / this.pageSize;
    if (!(first > 0 && this.placement.tryClaimAt(first, count))) return false;
    this.engine.map(first, count, attributesOf(strategy), id, 0, strategy.uninitialized === true);
    return true;
  }

  protected unmapRange(start: number, size: number): void {
    this.engine.unmap(start / this.pageSize, size / this.pageSize);
  }

  // ---- mremap primitives (see Note [mremap as Linux 6.17] in remap.ts) ----

  protected remapSource(start: number): RemapSource | undefined {
    const first = start / this.pageSize;
    if (this.engine.states[first] !== PageState.Allocated) return undefined;
    const end = mappingEnd(this.remapHost, first, this.engine.totalPages);
    return {
      end: end * this.pageSize,
      annotation: this.annotations.lookup(this.engine.annotationIds[first]!),
    };
  }

  protected shrinkMapping(start: number, oldSize: number, newSize: number): void {
    this.engine.unmap((start + newSize) / this.pageSize, (oldSize - newSize) / this.pageSize);
  }

  protected override growInPlace(start: number, oldSize: number, newSize: number): boolean {
    return asRemap(() => {
      const first = (start + oldSize) / this.pageSize;
      const extra = (newSize - oldSize) / this.pageSize;
      if (!this.placement.tryClaimAt(first, extra)) return false;
      const last = first - 1;
      const { attributes, annotationIds } = this.engine;
      this.engine.map(first, extra, attributes[last]!, annotationIds[last]!, 0);
      return true;
    });
  }

  protected moveMapping(start: number, oldSize: number, newSize: number): number {
    return asRemap(() => {
      const first = start / this.pageSize;
      const oldCount = oldSize / this.pageSize;
      const newCount = newSize / this.pageSize;
      const dest = this.remapHost.placeMoved(newCount);
      moveTo(this.remapHost, first, oldCount, dest, newCount);
      this.engine.unmap(first, oldCount);
      return dest * this.pageSize;
    });
  }

  protected override remapTo(
    start: number,
    oldSize: number,
    newSize: number,
    options: { mayMove: boolean; dontUnmap: boolean; newAddress: number | undefined },
  ): number {
    return asRemap(() => remapPages(this.remapHost, start, oldSize, newSize, options));
  }

  // ---- attribute primitives ----

  protected protect(start: number, size: number, prot: MmapProtection): void {
    protectPages(this.engine, start / this.pageSize, size / this.pageSize, prot);
  }

  protected advise(start: number, size: number, advice: MadviseAdvice): void {
    const first = start / this.pageSize;
    const count = size / this.pageSize;
    if (advice === "dontneed") this.engine.discard(first, first + count);
    if (advice === "hugepage") hintHugePages(this.engine, first, count, true);
    if (advice === "nohugepage") hintHugePages(this.engine, first, count, false);
  }

  /**
   * Names every page of the range (`PR_SET_VMA_ANON_NAME`); core has checked
   * that all are mapped (`ENOMEM`, nothing renamed, otherwise).
   */
  protected rename(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    const first = start / this.pageSize;
    const id = this.annotations.intern(annotation);
    this.engine.annotationIds.fill(id, first, first + size / this.pageSize);
  }

  // ---- listings and bytes ----

  /**
   * Runs of allocated pages of one protection meeting `[start, end)`, from the
   * page table, as an array (a generator made every read and write 1.7× slower).
   */
  protected mappedRuns(start: number, end: number): MappedRun[] {
    const { states, attributes } = this.engine;
    const pageSize = this.pageSize;
    const last = Math.min(Math.ceil(end / pageSize), this.engine.totalPages);
    const runs: MappedRun[] = [];
    let page = Math.floor(start / pageSize);
    while (page < last) {
      if (states[page] !== PageState.Allocated) {
        page++;
        continue;
      }
      const prot = protectionOf(attributes[page]!);
      let to = page + 1;
      while (
        to < last &&
        states[to] === PageState.Allocated &&
        protectionOf(attributes[to]!) === prot
      ) {
        to++;
      }
      runs.push({ start: page * pageSize, end: to * pageSize, prot });
      page = to;
    }
    return runs;
  }

  protected readBytes(address: number, length: number): Uint8Array {
    return this.engine.bytes(address + length).slice(address, address + length);
  }

  protected writeBytes(address: number, bytes: Uint8Array): void {
    this.engine.bytes(address + bytes.length).set(bytes, address);
  }

  protected fillBytes(address: number, length: number, value: number): void {
    this.engine.bytes(address + length).fill(value, address, address + length);
  }

  getSystemTotalMemory(): number {
    return this.addressSpaceEnd;
  }

  getMappings(): readonly MappingInfo[] {
    return this.locked(() => listMappings(this.engine, this.annotations));
  }

  /** Mappings and others' memory (`[heap]`) in one pass over the page table. */
  protected override mapsLines(): readonly MapsLine[] {
    return this.locked(() => {
      this.engine.observe();
      return listMapsLines(this.engine, this.annotations);
    });
  }

  /**
   * The unmapped pages of the memory as runs: free and known zero (never handed
   * out), free and dirty (zeroed when next mapped), or someone else's (external).
   */
  pageStates(): readonly PageStateRun[] {
    return this.locked(() => {
      this.engine.observe();
      return listPageStates(this.engine);
    });
  }

  // ---- lock and levels ----

  /**
   * Takes the engine's state lock (Note [Linear-memory engine], "Locking").
   * Memory others grew meanwhile only matters at and above the frontier, so it
   * is accounted for (`sync`) by the paths that reach there.
   */
  protected override lock(): void {
    this.engine.lock();
  }

  /** Records the mapped level (its peak is kept per call) and releases the state lock. */
  protected override unlock(): void {
    this.recorder.setMapped(this.engine.mappedPages * this.pageSize);
    this.engine.unlock();
  }

  /** Brings the levels up to date with the shared state; linear memory never shrinks, so its size is also the peak. */
  protected override measureLevels(): void {
    this.recorder.setMapped(this.engine.mappedPages * this.pageSize);
    this.recorder.setCommitted(this.engine.committedPages * this.pageSize);
    this.recorder.setFootprint(currentByteLength(this.memory));
  }
}

/** Runs an mremap primitive whose helpers report for `mmap` (placement, growing): their errors say `mremap`. */
function asRemap<T>(body: () => T): T {
  try {
    return body();
  } catch (error) {
    throw reportedAs(error, "mremap");
  }
}

/** The attribute byte of a mapping made with `strategy`. */
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
