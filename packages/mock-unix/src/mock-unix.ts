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
  type Capabilities,
  checkAccess,
  checkAdvice,
  checkAlign,
  checkAnnotationRange,
  checkProtection,
  checkRange,
  checkRemapOptions,
  checkSize,
  checkStrategy,
  formatProcMaps,
  HugePageSupport,
  type MadviseAdvice,
  type MappingInfo,
  type MemoryCall,
  MemoryFault,
  type MemoryStats,
  type MmapAnnotation,
  MmapError,
  MmapProtection,
  type MmapStrategy,
  type MremapOptions,
  type OperatingSystem,
  OSError,
  StatsRecorder,
} from "@osal/core";
import { FaultInjector } from "./fault-injection.js";
import { type MockUnixOptions, type ResolvedMockUnixOptions, resolveOptions } from "./options.js";
import { PageStore } from "./page-store.js";
import { findFreeRange } from "./placement.js";
import { planRemapMove } from "./remap-move.js";
import { chargedBytes, isAccountable, sliceVma, type Vma } from "./vma.js";
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

/** A simulated Linux process: an {@link OperatingSystem} with test hooks. */
export interface MockUnix extends OperatingSystem {
  /** Makes chosen calls fail with a chosen errno. */
  readonly faults: FaultInjector;
  /** The settings in force, defaults filled in. */
  readonly options: ResolvedMockUnixOptions;
  /** The cores the calling thread was bound to, or `undefined` if never bound. */
  getThreadAffinity(): readonly number[] | undefined;
  /** Bytes of host memory the pages of `[start, start + size)` occupy (resident pages only). */
  residentBytesIn(start: number, size: number): number;
}

/** Creates a fresh simulated process with an empty address space. */
export function createMockUnix(options?: MockUnixOptions): MockUnix {
  return new MockUnixProcess(resolveOptions(options));
}

class MockUnixProcess implements MockUnix {
  readonly faults = new FaultInjector();
  readonly capabilities = MOCK_CAPABILITIES;
  readonly pageSize: number;
  readonly addressSpaceEnd: number;
  private vmas = VmaList.empty();
  private readonly pages: PageStore;
  private readonly recorder = new StatsRecorder();
  private affinity: readonly number[] | undefined;
  /** `anon_vma`s handed out so far (their ids). */
  private anonVmaCount = 0;

  constructor(readonly options: ResolvedMockUnixOptions) {
    this.pageSize = options.pageSize;
    this.addressSpaceEnd = options.addressSpaceEnd;
    this.pages = new PageStore(options.pageSize);
  }

  // ---- mapping ----------------------------------------------------------

  dzmmap(start: number, size: number, strategy: MmapStrategy, annotation?: MmapAnnotation): void {
    this.recorder.track("mmap", () => {
      checkStrategy("mmap", strategy, start, size, annotation);
      checkRange("mmap", start, size, this, annotation);
      this.checkAboveMinAddr(start, size, annotation);
      this.faults.check("mmap", start, size);
      if (!strategy.replace && !this.vmas.isFree(start, start + size)) {
        throw new MmapError({
          code: "EEXIST",
          syscall: "mmap",
          address: start,
          size,
          annotation,
          detail: "MAP_FIXED_NOREPLACE overlaps a mapping",
        });
      }
      this.map(start, size, strategy, annotation);
    });
  }

  dzmmapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number {
    return this.recorder.track("mmap", () => {
      checkStrategy("mmap", strategy, undefined, size, annotation);
      checkSize("mmap", size, this, undefined, annotation);
      const alignment = checkAlign("mmap", align, this, size, annotation);
      this.faults.check("mmap", undefined, size);
      const start = this.place(size, alignment, annotation);
      this.map(start, size, strategy, annotation);
      return start;
    });
  }

  dzmmapPreferred(
    start: number,
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation?: MmapAnnotation,
  ): number {
    return this.recorder.track("mmap", () => {
      checkStrategy("mmap", strategy, start, size, annotation);
      checkRange("mmap", start, size, this, annotation);
      const alignment = checkAlign("mmap", align, this, size, annotation);
      this.faults.check("mmap", start, size);
      const hintUsable =
        start % alignment === 0 &&
        start >= this.options.mmapMinAddr &&
        this.vmas.isFree(start, start + size);
      const address = hintUsable ? start : this.place(size, alignment, annotation);
      this.map(address, size, strategy, annotation);
      return address;
    });
  }

  munmap(start: number, size: number): void {
    this.recorder.track("munmap", () => {
      checkRange("munmap", start, size, this);
      this.faults.check("munmap", start, size);
      const next = this.vmas.without(start, start + size);
      this.adopt(next, "munmap", start, size);
      this.dropPages(start, size);
    });
  }

  mremap(start: number, oldSize: number, newSize: number, options: MremapOptions = {}): number {
    return this.recorder.track("mremap", () => {
      checkRange("mremap", start, oldSize, this);
      checkSize("mremap", newSize, this, start);
      checkRemapOptions(options, this.capabilities, start, oldSize, newSize, this);
      this.faults.check("mremap", start, oldSize);
      if (options.newAddress !== undefined || options.dontUnmap === true) {
        return this.remapMove(start, oldSize, newSize, options);
      }
      // Linux looks up only the VMA at `start`; shrinking then unmaps the tail
      // whatever it holds, and only growing needs the old range in that VMA.
      const vma = this.vmas.find(start);
      if (!vma || (newSize > oldSize && start + oldSize > vma.end)) {
        throw new MmapError({
          code: "EFAULT",
          syscall: "mremap",
          address: start,
          size: oldSize,
          detail: vma
            ? "old range is not inside one mapping"
            : "nothing is mapped at the old address",
        });
      }
      if (newSize === oldSize) return start;
      if (newSize < oldSize) {
        this.adopt(this.vmas.without(start + newSize, start + oldSize), "mremap", start, oldSize);
        this.dropPages(start + newSize, oldSize - newSize);
        return start;
      }
      const growEnd = start + newSize;
      const canGrowInPlace =
        start + oldSize === vma.end &&
        growEnd <= this.addressSpaceEnd &&
        this.vmas.isFree(vma.end, growEnd);
      if (canGrowInPlace) {
        const growth = {
          ...vma,
          start: vma.end,
          end: growEnd,
          offset: vma.offset + vma.end - vma.start,
        };
        this.adopt(this.vmas.with(growth), "mremap", start, newSize);
        return start;
      }
      if (!options.mayMove) {
        throw new MmapError({
          code: "ENOMEM",
          syscall: "mremap",
          address: start,
          size: newSize,
          annotation: vma.annotation,
          detail: "cannot grow in place and MREMAP_MAYMOVE not given",
        });
      }
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
    });
  }

  setMemoryAccess(start: number, size: number, prot: MmapProtection): void {
    this.recorder.track("mprotect", () => {
      checkProtection("mprotect", prot, start, size);
      checkRange("mprotect", start, size, this);
      this.faults.check("mprotect", start, size);
      this.requireMapped("mprotect", start, size);
      const next = this.vmas.updated(start, start + size, (part) => ({
        ...part,
        prot,
        accounted: stillAccounted(part, prot),
      }));
      this.adopt(next, "mprotect", start, size);
    });
  }

  madvise(start: number, size: number, advice: MadviseAdvice): void {
    this.recorder.track("madvise", () => {
      checkAdvice(advice, start, size);
      checkRange("madvise", start, size, this);
      this.faults.check("madvise", start, size);
      this.requireMapped("madvise", start, size);
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
    });
  }

  /**
   * `prctl(PR_SET_VMA_ANON_NAME)`: renames the VMAs of the range (splitting and
   * merging them as Linux does). `ENOMEM` if any page is unmapped, checked first:
   * Linux renames the mapped parts before saying `ENOMEM`, osal changes nothing.
   */
  setAnnotation(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    checkAnnotationRange(start, size, this);
    if (!this.vmas.covers(start, start + size)) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: "prctl",
        address: start,
        size,
        detail: "range includes unmapped pages",
      });
    }
    const next = this.vmas.updated(start, start + size, (part) => ({ ...part, annotation }));
    this.adopt(next, "prctl", start, size);
  }

  panicIfUnmapped(start: number, size: number): void {
    checkRange("mmap", start, size, this);
    if (!this.vmas.covers(start, start + size)) {
      throw new MmapError({
        code: "EFAULT",
        syscall: "mmap",
        address: start,
        size,
        detail: "range is not fully mapped",
      });
    }
  }

  isMmapOom(error: unknown): boolean {
    return error instanceof MmapError && error.code === "ENOMEM";
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

  stats(): MemoryStats {
    return this.recorder.snapshot();
  }

  residentBytesIn(start: number, size: number): number {
    let bytes = 0;
    for (let page = start / this.pageSize; page < (start + size) / this.pageSize; page++) {
      if (this.pages.peek(page)) bytes += this.pageSize;
    }
    return bytes;
  }

  // ---- memory access ----------------------------------------------------

  read(address: number, length: number): Uint8Array {
    checkAccess("read", address, length);
    this.checkAccessible("read", address, length);
    const out = new Uint8Array(length);
    this.eachPagePart(address, length, (page, offset, count, outOffset) => {
      const bytes = this.pages.peek(page);
      if (bytes) out.set(bytes.subarray(offset, offset + count), outOffset);
    });
    return out;
  }

  write(address: number, bytes: Uint8Array): void {
    checkAccess("write", address, bytes.length);
    this.checkAccessible("write", address, bytes.length);
    this.prepareAnonVmas(address, bytes.length);
    this.eachPagePart(address, bytes.length, (page, offset, count, inOffset) => {
      this.touch(page).set(bytes.subarray(inOffset, inOffset + count), offset);
    });
    this.recorder.setFootprint(this.pages.residentBytes);
  }

  fill(address: number, length: number, value: number): void {
    checkAccess("fill", address, length, value);
    this.checkAccessible("fill", address, length);
    this.prepareAnonVmas(address, length);
    this.eachPagePart(address, length, (page, offset, count) => {
      if (value === 0 && !this.pages.peek(page)) return;
      this.touch(page).fill(value, offset, offset + count);
    });
    this.recorder.setFootprint(this.pages.residentBytes);
  }

  // ---- process ----------------------------------------------------------

  getProcessMemoryMaps(): string {
    return formatProcMaps(this.vmas.all());
  }

  getProcessId(): number {
    return this.options.pid;
  }

  getThreadId(): number {
    return this.options.tid;
  }

  getTotalNumCpus(): number {
    return this.options.cpus;
  }

  bindCurrentThreadToCore(core: number): void {
    this.bindCurrentThreadToCpuset([core]);
  }

  bindCurrentThreadToCpuset(cores: readonly number[]): void {
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

  // ---- internals --------------------------------------------------------

  /** `mremap` with `newAddress` or `dontUnmap`: one transaction, see Note [mremap to a new address]. */
  private remapMove(
    start: number,
    oldSize: number,
    newSize: number,
    options: MremapOptions,
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

  /** Maps `[start, start + size)` with `strategy`, replacing what was there. */
  private map(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): void {
    const vma: Vma = {
      start,
      end: start + size,
      prot: strategy.prot,
      reserve: strategy.reserve,
      accounted: isAccountable(strategy.prot, strategy.reserve),
      hugePage: HugePageSupport.No,
      noHugePage: false,
      readAhead: "normal",
      offset: start,
      anonVma: undefined,
      annotation,
    };
    let next = this.vmas.with(vma);
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
    const committed = totalCharged(next);
    if (committed > totalCharged(this.vmas) && committed > this.options.commitLimit) {
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

  private checkAboveMinAddr(
    start: number,
    size: number,
    annotation: MmapAnnotation | undefined,
  ): void {
    if (start < this.options.mmapMinAddr) {
      throw new MmapError({
        code: "EPERM",
        syscall: "mmap",
        address: start,
        size,
        annotation,
        detail: `below vm.mmap_min_addr ${this.options.mmapMinAddr}`,
      });
    }
  }

  private requireMapped(call: MemoryCall, start: number, size: number): void {
    if (!this.vmas.covers(start, start + size)) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: call,
        address: start,
        size,
        detail: "range includes unmapped pages",
      });
    }
  }

  private checkAccessible(call: "read" | "write" | "fill", address: number, length: number): void {
    if (length === 0) return;
    let cursor = address;
    const end = address + length;
    while (cursor < end) {
      const vma = this.vmas.find(cursor);
      if (!vma)
        throw new MemoryFault({
          syscall: call,
          address,
          size: length,
          faultAddress: cursor,
          reason: "unmapped",
        });
      if (vma.prot === MmapProtection.NoAccess) {
        throw new MemoryFault({
          syscall: call,
          address,
          size: length,
          faultAddress: cursor,
          reason: "protection",
        });
      }
      cursor = vma.end;
    }
  }

  /** Calls `body(page, offsetInPage, count, offsetInBuffer)` for each page piece of a byte range. */
  private eachPagePart(
    address: number,
    length: number,
    body: (page: number, offset: number, count: number, bufferOffset: number) => void,
  ): void {
    let done = 0;
    while (done < length) {
      const at = address + done;
      const page = Math.floor(at / this.pageSize);
      const offset = at - page * this.pageSize;
      const count = Math.min(this.pageSize - offset, length - done);
      body(page, offset, count, done);
      done += count;
    }
  }

  /** A write faults in pages, which gives their VMAs an `anon_vma` (it decides later merges). */
  private prepareAnonVmas(address: number, length: number): void {
    if (length === 0) return;
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
    this.recorder.setCommitted(totalCharged(this.vmas));
    this.recorder.setFootprint(this.pages.residentBytes);
  }
}

/**
 * `VM_ACCOUNT` after `mprotect` to `prot`, as Linux (6.7+) decides it: making
 * reserved memory writable charges it; making it `PROT_NONE` uncharges it only
 * while nothing was ever written to the VMA (no `anon_vma`). A protection that
 * does not change leaves the VMA as it is.
 */
function stillAccounted(part: Vma, prot: MmapProtection): boolean {
  if (prot === part.prot) return part.accounted;
  if (prot !== MmapProtection.NoAccess) return part.accounted || part.reserve;
  return part.accounted && part.anonVma !== undefined;
}

function totalCharged(list: VmaList): number {
  let bytes = 0;
  for (const vma of list.all()) bytes += chargedBytes(vma);
  return bytes;
}
