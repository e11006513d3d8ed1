/**
 * Note [A simulated Linux process]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * mock-unix is the reference backend: what `sys/mman.h` does on Linux, in
 * memory, so a runtime's memory layer can be tested anywhere and the
 * conformance suite has something to hold every other backend to.
 *
 * Address space. A 47-bit user space (configurable) holding a sorted list of
 * VMAs (`VmaList`): start, end, protection, reserve/accounting flags, huge page
 * hint and annotation, plus the flags `madvise` sets (`VM_NOHUGEPAGE`,
 * `VM_SEQ_READ`/`VM_RAND_READ`) and what Linux's `vma_merge` looks at besides:
 * `vm_pgoff` and the `anon_vma` a VMA gets on its first write. Adjacent VMAs
 * merge exactly when Linux's would (equal flags and name, continuous offset,
 * compatible `anon_vma`s), so `/proc/self/maps` and `mremap`'s one-VMA rule
 * behave as on a real process; `@osal/node-posix`'s differential test checks
 * this against the kernel.
 * New mappings go top-down below `mmap_base`, like Linux's default layout.
 *
 * Pages. Bytes live in a sparse `PageStore`: a page exists only after its first
 * write (demand zero), so a 1 TiB `PROT_NONE` reservation costs nothing and
 * `footprintBytes` is the resident set. Materialising a page counts as zeroing
 * it (`zeroedBytes`), as the kernel clears every page it faults in.
 * `munmap`, `MAP_FIXED` and `madvise(DONTNEED)` drop pages; a moving `mremap`
 * carries them along.
 *
 * Commit. A mapping is charged (Linux's `VM_ACCOUNT`) when it is writable and
 * not `MAP_NORESERVE`; `mprotect` charges a range it makes writable and
 * uncharges one it makes `PROT_NONE` only if it was never written (no
 * `anon_vma`, as Linux 6.7+). Charges above `commitLimit` fail with `ENOMEM`, as
 * `vm.overcommit_memory=2` does. The VMA count is capped at `maxMapCount`.
 *
 * Transactions. Every call validates, then builds the new VMA list as a new
 * value, checks limits and injected faults, and only then adopts it and
 * touches pages. A call that throws has changed nothing.
 *
 * Protection is enforced: the access API faults (`MemoryFault`) on unmapped and
 * `PROT_NONE` pages before touching any byte.
 */
import {
  type BackendCall,
  backendSyscalls,
  type Capabilities,
  type CheckedRemapOptions,
  checkCore,
  checkCores,
  HugePageSupport,
  type MadviseAdvice,
  type MappedRun,
  type MappingInfo,
  MemoryBackend,
  type MemoryCall,
  type MmapAnnotation,
  MmapError,
  type MmapProtection,
  type MmapStrategy,
  OSError,
  type RemapSource,
} from "@osal/core";
import { FaultInjector } from "./fault-injection.js";
import type { MockUnix } from "./mock-unix-api.js";
import { type MockUnixOptions, type ResolvedMockUnixOptions, resolveOptions } from "./options.js";
import { eachPagePart, PageStore } from "./page-store.js";
import { findFreeRange } from "./placement.js";
import { planRemapMove } from "./remap-move.js";
import { mappedVma, sliceVma, stillAccounted, totalCharged } from "./vma.js";
import { VmaList } from "./vma-list.js";

/** What mock-unix does: everything a Linux process does, except run threads. */
const MOCK_CAPABILITIES: Capabilities = Object.freeze({
  fixed: true,
  noReplace: true,
  partialUnmap: true,
  remapInPlace: true,
  enforcesProtection: true,
  reservesWithoutCommit: true,
  returnsMemoryToHost: true,
  threadSafe: false,
  uninitialized: false,
  remapAcrossMappings: true,
  remapDontUnmap: true,
  remapFixed: true,
  setAnnotation: true,
});

/** Creates a fresh simulated process with an empty address space; bad options are `MmapError` `EINVAL`. */
export function createMockUnix(options?: MockUnixOptions): MockUnix {
  return new MockUnixProcess(resolveOptions(options));
}

/**
 * The simulated process on the shared call path (`MemoryBackend`): core checks
 * arguments, state and accesses; this class holds the VMAs and pages.
 */
class MockUnixProcess extends MemoryBackend implements MockUnix {
  readonly faults = new FaultInjector();
  readonly capabilities = MOCK_CAPABILITIES;
  readonly pageSize: number;
  readonly addressSpaceEnd: number;
  private vmas = VmaList.empty();
  private readonly pages: PageStore;
  private affinity: readonly number[] | undefined;
  /** `anon_vma`s handed out so far (their ids). */
  private anonVmaCount = 0;

  constructor(readonly options: ResolvedMockUnixOptions) {
    super();
    this.pageSize = options.pageSize;
    this.addressSpaceEnd = options.addressSpaceEnd;
    this.pages = new PageStore(options.pageSize);
  }

  // ---- primitives: mapping ---------------------------------------------------

  protected override admit(
    call: BackendCall,
    start: number | undefined,
    size: number,
    annotation: MmapAnnotation | undefined,
  ): void {
    if (call === "setAnnotation") return;
    if (call === "dzmmap" && start !== undefined && start < this.options.mmapMinAddr) {
      throw new MmapError({
        code: "EPERM",
        syscall: "mmap",
        address: start,
        size,
        annotation,
        detail: `below vm.mmap_min_addr ${this.options.mmapMinAddr}`,
      });
    }
    this.faults.check(backendSyscalls[call] as MemoryCall, start, size);
  }

  protected mapFixed(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): void {
    this.map(start, size, strategy, annotation);
  }

  protected mapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): number {
    const start = this.place(size, align, annotation);
    this.map(start, size, strategy, annotation);
    return start;
  }

  protected override mapAtHint(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): boolean {
    if (start < this.options.mmapMinAddr) return false;
    this.map(start, size, strategy, annotation);
    return true;
  }

  protected unmapRange(start: number, size: number): void {
    this.adopt(this.vmas.without(start, start + size), "munmap", start, size);
    this.dropPages(start, size);
  }

  // ---- primitives: remapping -------------------------------------------------

  /** Linux looks up only the VMA at `start`; only growing needs the old range inside it. */
  protected remapSource(start: number): RemapSource | undefined {
    const vma = this.vmas.find(start);
    return vma && { end: vma.end, annotation: vma.annotation };
  }

  /** Shrinking unmaps the tail, whatever it holds. */
  protected shrinkMapping(start: number, oldSize: number, newSize: number): void {
    this.adopt(this.vmas.without(start + newSize, start + oldSize), "mremap", start, oldSize);
    this.dropPages(start + newSize, oldSize - newSize);
  }

  protected override growInPlace(start: number, _oldSize: number, newSize: number): boolean {
    const vma = this.vmas.find(start)!;
    const growth = {
      ...vma,
      start: vma.end,
      end: start + newSize,
      offset: vma.offset + vma.end - vma.start,
    };
    this.adopt(this.vmas.with(growth), "mremap", start, newSize);
    return true;
  }

  protected moveMapping(start: number, oldSize: number, newSize: number): number {
    const vma = this.vmas.find(start)!;
    const target = this.place(newSize, this.pageSize, vma.annotation, "mremap");
    const moving = sliceVma(vma, start, start + oldSize);
    // Linux's copy_vma: a VMA never written takes the offset of its new place.
    const offset = moving.anonVma === undefined ? target : moving.offset;
    // As Linux: the copy is mapped (and merged) first, then the old range is
    // unmapped, so the copy can merge with what is left of its own source VMA.
    const next = this.vmas
      .with({ ...moving, start: target, end: target + newSize, offset })
      .without(start, start + oldSize);
    this.adopt(next, "mremap", start, newSize);
    this.pages.move(start / this.pageSize, oldSize / this.pageSize, target / this.pageSize);
    return target;
  }

  /** `mremap` with `newAddress` or `dontUnmap`: one transaction, see Note [mremap to a new address]. */
  protected override remapTo(
    start: number,
    oldSize: number,
    newSize: number,
    options: CheckedRemapOptions,
  ): number {
    if (options.newAddress !== undefined && options.newAddress < this.options.mmapMinAddr) {
      throw new MmapError({
        code: "EPERM",
        syscall: "mremap",
        address: options.newAddress,
        size: newSize,
        detail: `below vm.mmap_min_addr ${this.options.mmapMinAddr}`,
      });
    }
    const plan = planRemapMove(this.vmas, start, oldSize, newSize, options, (size, vma) =>
      this.place(size, this.pageSize, vma.annotation, "mremap"),
    );
    this.adopt(plan.next, "mremap", start, newSize);
    for (const [from, size] of plan.drops)
      this.pages.drop(from / this.pageSize, size / this.pageSize);
    const { from, size, to } = plan.move;
    this.pages.move(from / this.pageSize, size / this.pageSize, to / this.pageSize);
    this.recorder.setFootprint(this.pages.residentBytes);
    return plan.target;
  }

  // ---- primitives: attributes, listing, bytes --------------------------------

  protected protect(start: number, size: number, prot: MmapProtection): void {
    const next = this.vmas.updated(start, start + size, (part) => ({
      ...part,
      prot,
      accounted: stillAccounted(part, prot),
    }));
    this.adopt(next, "mprotect", start, size);
  }

  protected advise(start: number, size: number, advice: MadviseAdvice): void {
    if (advice === "dontneed") {
      this.dropPages(start, size);
    } else if (advice === "normal" || advice === "sequential" || advice === "random") {
      this.adopt(
        this.vmas.updated(start, start + size, (part) => ({ ...part, readAhead: advice })),
        "madvise",
        start,
        size,
      );
    } else if (advice === "hugepage" || advice === "nohugepage") {
      const hugePage =
        advice === "hugepage" ? HugePageSupport.TransparentHugePages : HugePageSupport.No;
      this.adopt(
        this.vmas.updated(start, start + size, (part) => ({
          ...part,
          hugePage,
          noHugePage: advice === "nohugepage",
        })),
        "madvise",
        start,
        size,
      );
    }
  }

  /**
   * `prctl(PR_SET_VMA_ANON_NAME)`: renames the VMAs of the range (splitting and
   * merging them as Linux does). Linux renames the mapped parts before saying
   * `ENOMEM` for a hole; osal (core's check) changes nothing.
   */
  protected rename(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    const next = this.vmas.updated(start, start + size, (part) => ({ ...part, annotation }));
    this.adopt(next, "prctl", start, size);
  }

  protected mappedRuns(start: number, end: number): Iterable<MappedRun> {
    return this.vmas.overlapping(start, end);
  }

  getSystemTotalMemory(): number {
    return this.options.totalMemory;
  }

  getMappings(): readonly MappingInfo[] {
    return this.vmas.all().map((vma) => ({
      start: vma.start,
      end: vma.end,
      prot: vma.prot,
      reserve: vma.reserve,
      hugePage: vma.hugePage,
      annotation: vma.annotation,
    }));
  }

  residentBytesIn(start: number, size: number): number {
    let bytes = 0;
    for (let page = start / this.pageSize; page < (start + size) / this.pageSize; page++) {
      if (this.pages.peek(page)) bytes += this.pageSize;
    }
    return bytes;
  }

  protected readBytes(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    eachPagePart(this.pageSize, address, length, (page, offset, count, outOffset) => {
      const bytes = this.pages.peek(page);
      if (bytes) out.set(bytes.subarray(offset, offset + count), outOffset);
    });
    return out;
  }

  protected writeBytes(address: number, bytes: Uint8Array): void {
    this.prepareAnonVmas(address, bytes.length);
    eachPagePart(this.pageSize, address, bytes.length, (page, offset, count, inOffset) => {
      this.touch(page).set(bytes.subarray(inOffset, inOffset + count), offset);
    });
    this.recorder.setFootprint(this.pages.residentBytes);
  }

  protected fillBytes(address: number, length: number, value: number): void {
    this.prepareAnonVmas(address, length);
    eachPagePart(this.pageSize, address, length, (page, offset, count) => {
      if (value === 0 && !this.pages.peek(page)) return;
      this.touch(page).fill(value, offset, offset + count);
    });
    this.recorder.setFootprint(this.pages.residentBytes);
  }

  // ---- process: simulated facts -----------------------------------------------

  override getProcessId(): number {
    return this.options.pid;
  }

  override getThreadId(): number {
    return this.options.tid;
  }

  override getTotalNumCpus(): number {
    return this.options.cpus;
  }

  override bindCurrentThreadToCore(core: number): void {
    checkCore(core);
    this.bindCurrentThreadToCpuset([core]);
  }

  override bindCurrentThreadToCpuset(given: readonly number[]): void {
    const cores = checkCores(given);
    const valid =
      cores.length > 0 &&
      cores.every((core) => Number.isInteger(core) && core >= 0 && core < this.options.cpus);
    if (!valid) {
      throw new OSError({
        code: "EINVAL",
        syscall: "sched_setaffinity",
        detail: `cores [${cores.join(", ")}] not in 0..${this.options.cpus - 1}`,
      });
    }
    this.affinity = Object.freeze([...new Set(cores)].sort((a, b) => a - b));
  }

  getThreadAffinity(): readonly number[] | undefined {
    return this.affinity;
  }

  // ---- internals --------------------------------------------------------------

  /** Maps `[start, start + size)` with `strategy`, replacing what was there. */
  private map(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): void {
    let next = this.vmas.with(mappedVma(start, size, strategy, annotation));
    // On Linux a huge page hint is mmap then madvise(MADV_HUGEPAGE): the new VMA
    // may first merge with a neighbour (taking its anon_vma) and is then split off.
    if (strategy.hugePage === HugePageSupport.TransparentHugePages) {
      next = next.updated(start, start + size, (part) => ({
        ...part,
        hugePage: strategy.hugePage,
      }));
    }
    this.adopt(next, "mmap", start, size, annotation);
    this.dropPages(start, size);
  }

  /** Checks limits on a new VMA list and makes it current; throws, changing nothing, if over. */
  private adopt(
    next: VmaList,
    call: MemoryCall | "prctl",
    address: number,
    size: number,
    annotation?: MmapAnnotation,
  ): void {
    if (next.count > this.options.maxMapCount) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: call,
        address,
        size,
        annotation,
        detail: `more than ${this.options.maxMapCount} mappings (vm.max_map_count)`,
      });
    }
    const committed = totalCharged(next.all());
    if (committed > totalCharged(this.vmas.all()) && committed > this.options.commitLimit) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: call,
        address,
        size,
        annotation,
        detail: `commit limit ${this.options.commitLimit} exceeded`,
      });
    }
    this.vmas = next;
    this.refreshLevels();
  }

  /** An address for a new mapping, or `ENOMEM` when the address space is full. */
  private place(
    size: number,
    align: number,
    annotation: MmapAnnotation | undefined,
    call: MemoryCall = "mmap",
  ): number {
    const window = {
      low: this.options.mmapMinAddr,
      base: this.options.mmapBase,
      end: this.addressSpaceEnd,
    };
    const start = findFreeRange(this.vmas.all(), size, align, window);
    if (start === undefined) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: call,
        size,
        annotation,
        detail: "no free range of that size and alignment",
      });
    }
    return start;
  }

  /** A write faults in pages, which gives their VMAs an `anon_vma` (it decides later merges). */
  private prepareAnonVmas(address: number, length: number): void {
    this.vmas = this.vmas.withAnonVmas(address, address + length, () => ++this.anonVmaCount);
  }

  private touch(page: number): Uint8Array {
    const { bytes, fresh } = this.pages.touch(page);
    if (fresh) this.recorder.addZeroed(this.pageSize);
    return bytes;
  }

  private dropPages(start: number, size: number): void {
    this.pages.drop(start / this.pageSize, size / this.pageSize);
    this.recorder.setFootprint(this.pages.residentBytes);
  }

  private refreshLevels(): void {
    let mapped = 0;
    for (const vma of this.vmas.all()) mapped += vma.end - vma.start;
    this.recorder.setMapped(mapped);
    this.recorder.setCommitted(totalCharged(this.vmas.all()));
    this.recorder.setFootprint(this.pages.residentBytes);
  }
}
