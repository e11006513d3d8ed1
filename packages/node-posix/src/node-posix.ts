/**
 * Note [The real kernel, fenced in]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * node-posix is osal on the Linux kernel itself: every memory call is the libc
 * call (`mmap`, `mremap`, `mprotect`, `madvise`) made through koffi, and bytes
 * are read and written in place through `koffi.view`. It exists to test
 * runtimes against the real thing and to prove mock-unix right (the
 * differential test runs the same calls on both).
 *
 * The arena. Node and V8 live in the same address space, and `MAP_FIXED` at an
 * arbitrary address would clobber them. So each instance reserves one arena at
 * creation (`PROT_NONE | MAP_NORESERVE`, `MADV_DONTDUMP`; see `Arena`) and
 * confines every call to it: the arena is the instance's whole address space.
 * `addressSpaceEnd` is its end; an address below its start is treated as Linux
 * treats one below `vm.mmap_min_addr` or not mapped at all: `dzmmap` fails with
 * `EPERM`, `munmap` with `EINVAL` (outside the address space), `mremap` with
 * `EFAULT`, `mprotect`/`madvise` with `ENOMEM`, and a preferred-address hint
 * there is ignored. Free arena pages are placeholders, never holes: `munmap`
 * maps a placeholder over the range (`MAP_FIXED`, one atomic step), a shrinking
 * or moving `mremap` puts placeholders where pages left, and growing in place
 * first unmaps the placeholder pages after the mapping (the one moment a hole
 * exists; if another thread's `mmap` took it, `mremap` fails and the error
 * says so).
 *
 * The table. Placeholders make every arena page look mapped to the kernel, so
 * what must be settled before a call reaches it is settled in a `MappingTable`
 * of the user mappings: whether a range is free (`MAP_FIXED_NOREPLACE` would
 * always fail against a placeholder, so `EEXIST` comes from the table), whether
 * it is mapped (`mprotect`/`madvise` `ENOMEM`), where to place a new or moved
 * mapping (top-down from the arena's end, like Linux's layout and mock-unix
 * with `mmapBase` there), and whether a byte may be accessed: the access API
 * throws `MemoryFault` before touching anything, so no access can ever fault
 * for real (a segfault would kill the process). The kernel decides the rest
 * (moves, bytes, VMA splitting, its own errors, which pass through with their
 * errno). The table only changes after the kernel said yes.
 *
 * Listings. `getMappings` and `getProcessMemoryMaps` read `/proc/self/maps`
 * and report the arena's VMAs that are not placeholders, split where the table
 * says the attributes change (annotations, which the kernel only shows when
 * `CONFIG_ANON_VMA_NAME` lets node-posix name VMAs with `PR_SET_VMA`). A VMA
 * the table disagrees with (a placeholder overlapping a user mapping, other
 * permissions) is an internal error: the backend refuses to go on rather than
 * report a state it does not understand.
 *
 * Zeroing is the kernel's (demand-zero pages), so `zeroedBytes` stays 0.
 * `footprintBytes` counts the user mappings' pages that `/proc/self/pagemap`
 * says are present and exclusively mapped (the shared zero page a read faults
 * in is not), read when `stats()` is called. `committedBytes` is the kernel's
 * `VM_ACCOUNT` as the table tracks it by Linux's rules (including the
 * `anon_vma` a write gives a VMA, which decides whether `mprotect` to
 * `PROT_NONE` uncharges); the differential test checks it against
 * `/proc/self/smaps`. Not thread-safe: one instance belongs to one JS thread.
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
  findTopDown,
  formatAnnotation,
  formatProcMaps,
  HostProcess,
  HugePageSupport,
  hex,
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
  protectionLetters,
  StatsRecorder,
} from "@osal/core";
import { Arena, nameRange } from "./arena.js";
import { codeOfErrno, type Libc, Linux, loadLibc } from "./libc.js";
import { MappingTable, type TableEntry } from "./mapping-table.js";
import { type NodePosixOptions, type ResolvedNodePosixOptions, resolveOptions } from "./options.js";
import { residentBytes } from "./pagemap.js";
import { procMaps } from "./proc-maps.js";
import { osTotalMemory, overcommitMode } from "./system.js";

/** What node-posix really does: everything the kernel does, for one JS thread. */
const NODE_POSIX_CAPABILITIES: Capabilities = Object.freeze({
  fixed: true,
  noReplace: true,
  partialUnmap: true,
  remapInPlace: true,
  enforcesProtection: true,
  reservesWithoutCommit: true,
  returnsMemoryToHost: true,
  threadSafe: false,
  uninitialized: false,
  remapAcrossMappings: false,
  remapDontUnmap: false,
  remapFixed: false,
  setAnnotation: true,
});

const ADVICE: Readonly<Record<MadviseAdvice, number>> = {
  normal: Linux.MADV_NORMAL,
  random: Linux.MADV_RANDOM,
  sequential: Linux.MADV_SEQUENTIAL,
  willneed: Linux.MADV_WILLNEED,
  dontneed: Linux.MADV_DONTNEED,
  hugepage: Linux.MADV_HUGEPAGE,
  nohugepage: Linux.MADV_NOHUGEPAGE,
};

/** A real Linux backend confined to its arena: an {@link OperatingSystem} you must {@link NodePosix.close}. */
export interface NodePosix extends OperatingSystem {
  /** The settings in force, defaults filled in. */
  readonly options: ResolvedNodePosixOptions;
  /** First byte of the arena: the lowest address this instance maps. */
  readonly arenaStart: number;
  /** Whether the kernel names VMAs (`PR_SET_VMA_ANON_NAME`), so `/proc/self/maps` itself shows annotations. */
  readonly namesVmas: boolean;
  /**
   * Unmaps the arena and everything in it. Afterwards every memory call fails
   * with `EBADF` and every access faults. Idempotent. An instance that is
   * garbage-collected unclosed has its arena unmapped then.
   */
  close(): void;
}

/**
 * Creates a backend that maps real memory in a fresh arena of its own. Linux
 * only: throws an `Error` when koffi cannot load `libc.so.6`, and an
 * `MmapError` when the kernel has no room for the arena.
 */
export function createNodePosix(options: NodePosixOptions = {}): NodePosix {
  const libc = loadLibc();
  const pageSize = libc.sysconf(Linux.SC_PAGESIZE);
  const resolved = resolveOptions(options, pageSize);
  const arena = Arena.reserve(libc, resolved.arenaSize, resolved.arenaAlign, pageSize);
  const instance = new NodePosixProcess(libc, pageSize, resolved, arena);
  orphans.register(instance, arena, instance.token);
  return instance;
}

/** Unmaps the arenas of instances collected without `close()`. */
const orphans = new FinalizationRegistry<Arena>((arena) => arena.release());

class NodePosixProcess extends HostProcess implements NodePosix {
  readonly capabilities = NODE_POSIX_CAPABILITIES;
  readonly addressSpaceEnd: number;
  readonly arenaStart: number;
  readonly namesVmas: boolean;
  readonly token = {};
  /** `vm.overcommit_memory` is 2: the kernel ignores `MAP_NORESERVE` and charges everything writable. */
  private readonly overcommitNever = overcommitMode() === 2;
  private readonly table = new MappingTable();
  private readonly recorder = new StatsRecorder();

  constructor(
    private readonly libc: Libc,
    readonly pageSize: number,
    readonly options: ResolvedNodePosixOptions,
    private readonly arena: Arena,
  ) {
    super();
    this.arenaStart = arena.start;
    this.addressSpaceEnd = arena.end;
    this.namesVmas = arena.named;
  }

  close(): void {
    orphans.unregister(this.token);
    this.table.clear();
    this.arena.release();
  }

  // ---- mapping ----------------------------------------------------------

  dzmmap(start: number, size: number, strategy: MmapStrategy, annotation?: MmapAnnotation): void {
    this.recorder.track("mmap", () => {
      checkStrategy("mmap", strategy, start, size, annotation);
      checkRange("mmap", start, size, this, annotation);
      this.checkOpen("mmap", start, size);
      if (start < this.arenaStart) {
        throw new MmapError({
          code: "EPERM",
          syscall: "mmap",
          address: start,
          size,
          annotation,
          detail: `below the arena start ${hex(this.arenaStart)}`,
        });
      }
      if (!strategy.replace && !this.table.isFree(start, start + size)) {
        throw new MmapError({
          code: "EEXIST",
          syscall: "mmap",
          address: start,
          size,
          annotation,
          detail: "MAP_FIXED_NOREPLACE overlaps a mapping",
        });
      }
      this.mapAt(start, size, strategy, annotation);
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
      this.checkOpen("mmap", undefined, size);
      const start = this.place("mmap", size, alignment, annotation);
      this.mapAt(start, size, strategy, annotation);
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
      this.checkOpen("mmap", start, size);
      const usable =
        start % alignment === 0 &&
        start >= this.arenaStart &&
        this.table.isFree(start, start + size);
      const address = usable ? start : this.place("mmap", size, alignment, annotation);
      this.mapAt(address, size, strategy, annotation);
      return address;
    });
  }

  munmap(start: number, size: number): void {
    this.recorder.track("munmap", () => {
      checkRange("munmap", start, size, this);
      this.checkOpen("munmap", start, size);
      if (start < this.arenaStart) {
        throw new MmapError({
          code: "EINVAL",
          syscall: "munmap",
          address: start,
          size,
          detail: `below the arena start ${hex(this.arenaStart)}, outside this address space`,
        });
      }
      this.kernelCheck("munmap", start, size, this.arena.placehold(start, size));
      this.table.remove(start, start + size);
      this.refreshLevels();
    });
  }

  mremap(start: number, oldSize: number, newSize: number, options: MremapOptions = {}): number {
    return this.recorder.track("mremap", () => {
      checkRange("mremap", start, oldSize, this);
      checkSize("mremap", newSize, this, start);
      checkRemapOptions(options, this.capabilities, start, oldSize, newSize, this);
      this.checkOpen("mremap", start, oldSize);
      // As Linux: the VMA at `start` must exist; only growing needs the whole old
      // range in it (the kernel checks its own VMA, which may be narrower).
      const entry = start >= this.arenaStart ? this.table.find(start) : undefined;
      const grows = newSize > oldSize;
      const vmaEnd = entry && grows ? (procMaps(this.libc).vmaAt(start)?.end ?? start) : 0;
      if (!entry || (grows && start + oldSize > Math.min(entry.end, vmaEnd))) {
        throw new MmapError({
          code: "EFAULT",
          syscall: "mremap",
          address: start,
          size: oldSize,
          detail: entry
            ? "old range is not inside one mapping"
            : "nothing is mapped at the old address",
        });
      }
      if (newSize <= oldSize) return this.shrink(start, oldSize, newSize);
      const oldEnd = start + oldSize;
      const newEnd = start + newSize;
      if (
        oldEnd === entry.end &&
        newEnd <= this.addressSpaceEnd &&
        this.table.isFree(oldEnd, newEnd)
      ) {
        return this.growInPlace(entry, start, oldSize, newSize);
      }
      if (!options.mayMove) {
        throw new MmapError({
          code: "ENOMEM",
          syscall: "mremap",
          address: start,
          size: newSize,
          annotation: entry.annotation,
          detail: "cannot grow in place and MREMAP_MAYMOVE not given",
        });
      }
      return this.move(entry, start, oldSize, newSize);
    });
  }

  setMemoryAccess(start: number, size: number, prot: MmapProtection): void {
    this.recorder.track("mprotect", () => {
      checkProtection("mprotect", prot, start, size);
      checkRange("mprotect", start, size, this);
      this.checkOpen("mprotect", start, size);
      this.requireMapped("mprotect", start, size);
      const result = this.libc.mprotect(start, size, kernelProt(prot));
      this.kernelCheck("mprotect", start, size, result === 0 ? undefined : this.errno());
      this.table.update(start, start + size, (part) => ({
        ...part,
        prot,
        accounted: accountedAfterMprotect(part, prot, this.chargeable(part.reserve)),
      }));
      this.syncAnonVmas(start, start + size);
      this.refreshLevels();
    });
  }

  madvise(start: number, size: number, advice: MadviseAdvice): void {
    this.recorder.track("madvise", () => {
      checkAdvice(advice, start, size);
      checkRange("madvise", start, size, this);
      this.checkOpen("madvise", start, size);
      this.requireMapped("madvise", start, size);
      const huge = advice === "hugepage" || advice === "nohugepage";
      if (this.libc.madvise(start, size, ADVICE[advice]) !== 0) {
        const code = this.errno();
        // A kernel without transparent huge pages rejects the hint; hints may be ignored.
        if (!(huge && code === "EINVAL")) this.kernelCheck("madvise", start, size, code);
      }
      if (huge) {
        const hugePage =
          advice === "hugepage" ? HugePageSupport.TransparentHugePages : HugePageSupport.No;
        this.table.update(start, start + size, (part) => ({ ...part, hugePage }));
      }
      if (advice !== "dontneed" && advice !== "willneed") this.syncAnonVmas(start, start + size);
    });
  }

  /**
   * Renames the range in the table (and, where the kernel names anonymous
   * memory, with `prctl(PR_SET_VMA_ANON_NAME)`, cosmetic as for every mapping).
   * `ENOMEM`, nothing renamed, if any page is unmapped.
   */
  setAnnotation(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    checkAnnotationRange(start, size, this);
    this.checkOpen("madvise", start, size);
    if (!this.table.covers(start, start + size)) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: "prctl",
        address: start,
        size,
        detail: "range includes unmapped pages",
      });
    }
    this.name(start, size, annotation);
    this.table.update(start, start + size, (part) => ({ ...part, annotation }));
  }
  panicIfUnmapped(start: number, size: number): void {
    checkRange("mmap", start, size, this);
    if (!this.table.covers(start, start + size)) {
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
    return osTotalMemory();
  }

  getMappings(): readonly MappingInfo[] {
    return this.kernelListing().map((entry) => ({
      start: entry.start,
      end: entry.end,
      prot: entry.prot,
      reserve: entry.reserve,
      hugePage: entry.hugePage,
      annotation: entry.annotation,
    }));
  }

  stats(): MemoryStats {
    let resident = 0;
    if (!this.arena.isReleased) {
      for (const entry of this.table.all())
        resident += residentBytes(entry.start, entry.end, this.pageSize);
    }
    this.recorder.setFootprint(resident);
    return this.recorder.snapshot();
  }

  // ---- memory access ----------------------------------------------------

  read(address: number, length: number): Uint8Array {
    checkAccess("read", address, length);
    this.checkAccessible("read", address, length);
    const out = new Uint8Array(length);
    if (length > 0) out.set(this.libc.view(address, length));
    return out;
  }

  write(address: number, bytes: Uint8Array): void {
    checkAccess("write", address, bytes.length);
    this.checkAccessible("write", address, bytes.length);
    if (bytes.length === 0) return;
    this.libc.view(address, bytes.length).set(bytes);
    this.noteWritten(address, bytes.length);
  }

  fill(address: number, length: number, value: number): void {
    checkAccess("fill", address, length, value);
    this.checkAccessible("fill", address, length);
    if (length === 0) return;
    this.libc.view(address, length).fill(value);
    this.noteWritten(address, length);
  }

  // ---- process ----------------------------------------------------------

  getProcessMemoryMaps(): string {
    return formatProcMaps(this.kernelListing());
  }

  // ---- internals --------------------------------------------------------

  /** `MAP_FIXED` of fresh zero pages over `[start, start + size)` (inside the arena), then the table. */
  private mapAt(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): void {
    this.arena.assertInside(start, size);
    const flags =
      Linux.MAP_PRIVATE |
      Linux.MAP_ANONYMOUS |
      Linux.MAP_FIXED |
      (strategy.reserve ? 0 : Linux.MAP_NORESERVE);
    const result = this.libc.mmap(start, size, kernelProt(strategy.prot), flags, -1, 0);
    if (result === -1) this.kernelCheck("mmap", start, size, this.errno(), annotation);
    this.name(start, size, annotation);
    this.table.set({
      start,
      end: start + size,
      prot: strategy.prot,
      reserve: strategy.reserve,
      accounted: this.chargeable(strategy.reserve) && strategy.prot !== MmapProtection.NoAccess,
      anonVma: false,
      hugePage: HugePageSupport.No,
      annotation,
    });
    this.syncAnonVmas(start, start + size);
    if (strategy.hugePage === HugePageSupport.TransparentHugePages) {
      // The hint is madvise(MADV_HUGEPAGE) after the mmap, which may have merged the
      // new VMA with a neighbour (and its anon_vma); the madvise splits it off again.
      this.libc.madvise(start, size, Linux.MADV_HUGEPAGE);
      this.table.update(start, start + size, (part) => ({ ...part, hugePage: strategy.hugePage }));
      this.syncAnonVmas(start, start + size);
    }
    this.refreshLevels();
  }

  private shrink(start: number, oldSize: number, newSize: number): number {
    const result = this.libc.mremap(start, oldSize, newSize, 0, 0);
    if (result === -1) this.kernelCheck("mremap", start, oldSize, this.errno());
    if (newSize < oldSize) {
      this.kernelCheck(
        "mremap",
        start,
        oldSize,
        this.arena.placehold(start + newSize, oldSize - newSize),
      );
      this.table.remove(start + newSize, start + oldSize);
      this.refreshLevels();
    }
    return start;
  }

  private growInPlace(entry: TableEntry, start: number, oldSize: number, newSize: number): number {
    const oldEnd = start + oldSize;
    const grow = newSize - oldSize;
    this.arena.assertInside(oldEnd, grow);
    if (this.libc.munmap(oldEnd, grow) !== 0) {
      this.kernelCheck("mremap", start, newSize, this.errno(), entry.annotation);
    }
    if (this.libc.mremap(start, oldSize, newSize, 0, 0) === -1) {
      const code = this.errno();
      const restored = this.arena.placehold(oldEnd, grow);
      throw new MmapError({
        code,
        syscall: "mremap",
        address: start,
        size: newSize,
        annotation: entry.annotation,
        detail: restored
          ? `the kernel refused to grow in place, and the arena pages after it could not be reserved again (${restored})`
          : "the kernel refused to grow in place",
      });
    }
    this.table.set({ ...entry, end: start + newSize });
    this.syncAnonVmas(start, start + newSize);
    this.refreshLevels();
    return start;
  }

  private move(entry: TableEntry, start: number, oldSize: number, newSize: number): number {
    const target = this.place("mremap", newSize, this.pageSize, entry.annotation);
    this.arena.assertInside(target, newSize);
    const source = procMaps(this.libc).vmaAt(start);
    const flags = Linux.MREMAP_MAYMOVE | Linux.MREMAP_FIXED;
    if (this.libc.mremap(start, oldSize, newSize, flags, target) === -1) {
      const code = this.errno();
      // MREMAP_FIXED may have unmapped the target before failing: it held only placeholders.
      this.arena.placehold(target, newSize);
      this.kernelCheck("mremap", start, newSize, code, entry.annotation);
    }
    this.kernelCheck("mremap", start, oldSize, this.arena.placehold(start, oldSize));
    this.table.remove(start, start + oldSize);
    this.table.set({ ...entry, start: target, end: target + newSize });
    this.syncAnonVmas(target, target + newSize);
    if (source && !entry.anonVma) this.noteSelfMerge(source, start, oldSize, target, newSize);
    this.refreshLevels();
    return target;
  }

  /** An address for `size` bytes aligned to `align` in the arena's free pages, top-down, or `ENOMEM`. */
  private place(
    call: MemoryCall,
    size: number,
    align: number,
    annotation: MmapAnnotation | undefined,
  ): number {
    const start = findTopDown(this.table.all(), size, align, this.arenaStart, this.addressSpaceEnd);
    if (start === undefined) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: call,
        size,
        annotation,
        detail: `no free range of that size and alignment in the ${hex(this.options.arenaSize)}-byte arena`,
      });
    }
    return start;
  }

  /** Names a user mapping by its annotation where the kernel can (cosmetic: failures are ignored). */
  private name(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    if (!this.namesVmas) return;
    nameRange(this.libc, start, size, annotation ? formatAnnotation(annotation) : null);
  }

  /** The arena's user VMAs from `/proc/self/maps`, split where the table's attributes change. */
  private kernelListing(): TableEntry[] {
    if (this.arena.isReleased) return [];
    const out: TableEntry[] = [];
    for (const vma of procMaps(this.libc).vmas(this.arenaStart, this.addressSpaceEnd)) {
      const parts = this.table.overlapping(vma.start, vma.end);
      if (parts.length === 0) continue;
      let cursor = vma.start;
      for (const part of parts) {
        const start = Math.max(part.start, vma.start);
        const end = Math.min(part.end, vma.end);
        if (start !== cursor || vma.access !== protectionLetters(part.prot)) {
          throw new Error(
            `node-posix internal error: the kernel lists ${hex(vma.start)}-${hex(vma.end)} ${vma.access}, ` +
              `the arena table has ${hex(part.start)}-${hex(part.end)} ${part.prot}`,
          );
        }
        out.push({ ...part, start, end });
        cursor = end;
      }
      if (cursor !== vma.end) {
        throw new Error(
          `node-posix internal error: the kernel VMA ${hex(vma.start)}-${hex(vma.end)} is only partly a user mapping`,
        );
      }
    }
    return out;
  }

  private checkOpen(call: MemoryCall, start: number | undefined, size: number): void {
    if (this.arena.isReleased) {
      throw new MmapError({
        code: "EBADF",
        syscall: call,
        address: start,
        size,
        detail: "this node-posix instance is closed",
      });
    }
  }

  private requireMapped(call: MemoryCall, start: number, size: number): void {
    if (!this.table.covers(start, start + size)) {
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
      const entry = this.table.find(cursor);
      if (!entry || entry.prot === MmapProtection.NoAccess) {
        throw new MemoryFault({
          syscall: call,
          address,
          size: length,
          faultAddress: cursor,
          reason: entry ? "protection" : "unmapped",
        });
      }
      cursor = entry.end;
    }
  }

  private errno() {
    return codeOfErrno(this.libc.errno());
  }

  /** Throws the kernel's error as an `MmapError` when `code` is set. */
  private kernelCheck(
    call: MemoryCall,
    start: number,
    size: number,
    code: ReturnType<typeof codeOfErrno> | undefined,
    annotation?: MmapAnnotation,
  ): void {
    if (code === undefined) return;
    throw new MmapError({
      code,
      syscall: call,
      address: start,
      size,
      annotation,
      detail: "kernel",
    });
  }

  /**
   * A kernel VMA has one `anon_vma` for all of it: after a call on `[start, end)`
   * that may have merged VMAs there (or with its neighbours), every table run in
   * such a VMA where one run had it has it.
   */
  private syncAnonVmas(start: number, end: number): void {
    const low = Math.max(this.arenaStart, start - this.pageSize);
    const high = Math.min(this.addressSpaceEnd, end + this.pageSize);
    for (const vma of procMaps(this.libc).vmas(low, high, false)) {
      const vmaStart = Math.max(vma.start, this.arenaStart);
      const vmaEnd = Math.min(vma.end, this.addressSpaceEnd);
      const parts = this.table.overlapping(vmaStart, vmaEnd);
      if (parts.some((part) => part.anonVma) && !parts.every((part) => part.anonVma)) {
        this.table.update(vmaStart, vmaEnd, (part) => ({ ...part, anonVma: true }));
      }
    }
  }

  /**
   * Linux maps the copy of a moving VMA before it unmaps the old range, so a copy
   * placed right next to its own source VMA merges with it. An unwritten VMA's
   * offset is always linear with its address (only a written VMA keeps an old
   * offset when moved), so the merge happens whenever they touch; if the copy
   * also merged with a written neighbour, what is left of the source now shares
   * that neighbour's `anon_vma`.
   */
  private noteSelfMerge(
    source: { readonly start: number; readonly end: number },
    start: number,
    oldSize: number,
    target: number,
    newSize: number,
  ): void {
    const touches = target + newSize === source.start || target === source.end;
    if (!touches || !this.table.find(target)?.anonVma) return;
    const mark = (from: number, to: number) => {
      if (to > from) this.table.update(from, to, (part) => ({ ...part, anonVma: true }));
    };
    mark(Math.max(source.start, this.arenaStart), start);
    mark(start + oldSize, Math.min(source.end, this.addressSpaceEnd));
  }

  /**
   * Whether a mapping with this `reserve` flag can be charged: `MAP_NORESERVE`
   * exempts it, except under `vm.overcommit_memory=2`, where Linux ignores it.
   */
  private chargeable(reserve: boolean): boolean {
    return reserve || this.overcommitNever;
  }

  /** A write faulted pages in: the kernel VMAs holding them now have an `anon_vma`. */
  private noteWritten(address: number, length: number): void {
    const end = address + length;
    if (this.table.allHaveAnonVma(address, end)) return;
    let cursor = address;
    while (cursor < end) {
      const vma = procMaps(this.libc).vmaAt(cursor);
      if (!vma) break;
      this.table.update(
        Math.max(vma.start, this.arenaStart),
        Math.min(vma.end, this.addressSpaceEnd),
        (part) => ({
          ...part,
          anonVma: true,
        }),
      );
      cursor = vma.end;
    }
  }

  private refreshLevels(): void {
    this.recorder.setMapped(this.table.mappedBytes());
    this.recorder.setCommitted(this.table.accountedBytes());
  }
}

/** The kernel's `PROT_*` bits for a protection. */
function kernelProt(prot: MmapProtection): number {
  switch (prot) {
    case MmapProtection.ReadWrite:
      return Linux.PROT_READ | Linux.PROT_WRITE;
    case MmapProtection.ReadWriteExec:
      return Linux.PROT_READ | Linux.PROT_WRITE | Linux.PROT_EXEC;
    case MmapProtection.NoAccess:
      return Linux.PROT_NONE;
  }
}

/**
 * `VM_ACCOUNT` after `mprotect` to `prot`, as Linux (6.7+) decides it: making
 * reserved memory writable charges it; making it `PROT_NONE` uncharges it only
 * while the VMA has no `anon_vma`; an unchanged protection changes nothing.
 */
function accountedAfterMprotect(
  part: TableEntry,
  prot: MmapProtection,
  chargeable: boolean,
): boolean {
  if (prot === part.prot) return part.accounted;
  if (prot !== MmapProtection.NoAccess) return part.accounted || chargeable;
  return part.accounted && part.anonVma;
}
