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
  accountedAfterMprotect,
  type BackendCall,
  backendSyscalls,
  findTopDown,
  formatAnnotation,
  HugePageSupport,
  hex,
  type MadviseAdvice,
  type MappedRun,
  type MappingInfo,
  MemoryBackend,
  type MemoryCall,
  type MmapAnnotation,
  MmapError,
  MmapProtection,
  type MmapStrategy,
  type RemapSource,
} from "@osal/core";
import { Arena, nameRange } from "./arena.js";
import { NODE_POSIX_CAPABILITIES } from "./capabilities.js";
import { KERNEL_ADVICE, kernelProt } from "./kernel-flags.js";
import { KernelView } from "./kernel-view.js";
import { codeOfErrno, type Libc, Linux, loadLibc } from "./libc.js";
import { MappingTable } from "./mapping-table.js";
import type { NodePosix } from "./node-posix-api.js";
import { type NodePosixOptions, type ResolvedNodePosixOptions, resolveOptions } from "./options.js";
import { residentBytes } from "./pagemap.js";
import { osTotalMemory, overcommitMode } from "./system.js";

/**
 * Creates a backend that maps real memory in a fresh arena of its own. Linux
 * only: throws an `Error` when koffi cannot load `libc.so.6`, an `MmapError`
 * `EINVAL` for bad options, and an `MmapError` when the kernel has no room for
 * the arena.
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

/** node-posix on the shared call path (`MemoryBackend`): core checks, the kernel acts. */
class NodePosixProcess extends MemoryBackend implements NodePosix {
  readonly capabilities = NODE_POSIX_CAPABILITIES;
  readonly addressSpaceEnd: number;
  readonly arenaStart: number;
  readonly namesVmas: boolean;
  readonly token = {};
  /** `vm.overcommit_memory` is 2: the kernel ignores `MAP_NORESERVE` and charges everything writable. */
  private readonly overcommitNever = overcommitMode() === 2;
  private readonly table = new MappingTable();
  private readonly kernel: KernelView;

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
    this.kernel = new KernelView(libc, this.table, arena.start, arena.end, pageSize);
  }

  close(): void {
    orphans.unregister(this.token);
    this.table.clear();
    this.arena.release();
  }

  // ---- primitives: mapping ---------------------------------------------------

  /** A closed instance fails with `EBADF`; below the arena, as Note [The real kernel, fenced in] says. */
  protected override admit(
    call: BackendCall,
    start: number | undefined,
    size: number,
    annotation: MmapAnnotation | undefined,
  ): void {
    if (this.arena.isReleased) {
      throw new MmapError({
        code: "EBADF",
        syscall: backendSyscalls[call],
        address: start,
        size,
        detail: "this node-posix instance is closed",
      });
    }
    if (start === undefined || start >= this.arenaStart) return;
    if (call === "dzmmap") {
      throw new MmapError({
        code: "EPERM",
        syscall: "mmap",
        address: start,
        size,
        annotation,
        detail: `below the arena start ${hex(this.arenaStart)}`,
      });
    }
    if (call === "munmap") {
      throw new MmapError({
        code: "EINVAL",
        syscall: "munmap",
        address: start,
        size,
        detail: `below the arena start ${hex(this.arenaStart)}, outside this address space`,
      });
    }
  }

  protected mapFixed(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): void {
    this.mapAt(start, size, strategy, annotation);
  }

  protected mapAnywhere(
    size: number,
    align: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): number {
    const start = this.place("mmap", size, align, annotation);
    this.mapAt(start, size, strategy, annotation);
    return start;
  }

  protected override mapAtHint(
    start: number,
    size: number,
    strategy: MmapStrategy,
    annotation: MmapAnnotation | undefined,
  ): boolean {
    if (start < this.arenaStart) return false;
    this.mapAt(start, size, strategy, annotation);
    return true;
  }

  protected unmapRange(start: number, size: number): void {
    this.kernelCheck("munmap", start, size, this.arena.placehold(start, size));
    this.table.remove(start, start + size);
    this.refreshLevels();
  }

  // ---- primitives: remapping -------------------------------------------------

  /**
   * As Linux: the VMA at `start` must exist; only growing needs the whole old
   * range in it (the kernel checks its own VMA, which may be narrower).
   */
  protected remapSource(start: number, oldSize: number, newSize: number): RemapSource | undefined {
    const entry = start >= this.arenaStart ? this.table.find(start) : undefined;
    if (entry === undefined) return undefined;
    const end = newSize > oldSize ? Math.min(entry.end, this.kernel.vmaEndAt(start)) : entry.end;
    return { end, annotation: entry.annotation };
  }

  protected shrinkMapping(start: number, oldSize: number, newSize: number): void {
    const result = this.libc.mremap(start, oldSize, newSize, 0, 0);
    if (result === -1) this.kernelCheck("mremap", start, oldSize, this.errno());
    this.kernelCheck(
      "mremap",
      start,
      oldSize,
      this.arena.placehold(start + newSize, oldSize - newSize),
    );
    this.table.remove(start + newSize, start + oldSize);
    this.refreshLevels();
  }

  /** Unmaps the placeholder pages after the mapping, then grows into them (the one moment a hole exists). */
  protected override growInPlace(start: number, oldSize: number, newSize: number): boolean {
    const entry = this.table.find(start)!;
    if (start + oldSize !== entry.end) return false;
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
    this.kernel.syncAnonVmas(start, start + newSize);
    this.refreshLevels();
    return true;
  }

  protected moveMapping(start: number, oldSize: number, newSize: number): number {
    const entry = this.table.find(start)!;
    const target = this.place("mremap", newSize, this.pageSize, entry.annotation);
    this.arena.assertInside(target, newSize);
    const source = this.kernel.vmaAt(start);
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
    this.kernel.syncAnonVmas(target, target + newSize);
    if (source && !entry.anonVma)
      this.kernel.noteSelfMerge(source, start, oldSize, target, newSize);
    this.refreshLevels();
    return target;
  }

  // ---- primitives: attributes, listing, bytes --------------------------------

  protected protect(start: number, size: number, prot: MmapProtection): void {
    const result = this.libc.mprotect(start, size, kernelProt(prot));
    this.kernelCheck("mprotect", start, size, result === 0 ? undefined : this.errno());
    this.table.update(start, start + size, (part) => ({
      ...part,
      prot,
      accounted: accountedAfterMprotect(
        { prot: part.prot, accounted: part.accounted, written: part.anonVma },
        prot,
        this.chargeable(part.reserve),
      ),
    }));
    this.kernel.syncAnonVmas(start, start + size);
    this.refreshLevels();
  }

  protected advise(start: number, size: number, advice: MadviseAdvice): void {
    const huge = advice === "hugepage" || advice === "nohugepage";
    if (this.libc.madvise(start, size, KERNEL_ADVICE[advice]) !== 0) {
      const code = this.errno();
      // A kernel without transparent huge pages rejects the hint; hints may be ignored.
      if (!(huge && code === "EINVAL")) this.kernelCheck("madvise", start, size, code);
    }
    if (huge) {
      const hugePage =
        advice === "hugepage" ? HugePageSupport.TransparentHugePages : HugePageSupport.No;
      this.table.update(start, start + size, (part) => ({ ...part, hugePage }));
    }
    if (advice !== "dontneed" && advice !== "willneed")
      this.kernel.syncAnonVmas(start, start + size);
  }

  /**
   * Renames the range in the table (and, where the kernel names anonymous
   * memory, with `prctl(PR_SET_VMA_ANON_NAME)`, cosmetic as for every mapping).
   */
  protected rename(start: number, size: number, annotation: MmapAnnotation | undefined): void {
    this.name(start, size, annotation);
    this.table.update(start, start + size, (part) => ({ ...part, annotation }));
  }

  protected mappedRuns(start: number, end: number): Iterable<MappedRun> {
    return this.table.overlapping(start, end);
  }

  getSystemTotalMemory(): number {
    return osTotalMemory();
  }

  getMappings(): readonly MappingInfo[] {
    if (this.arena.isReleased) return [];
    return this.kernel.listing().map((entry) => ({
      start: entry.start,
      end: entry.end,
      prot: entry.prot,
      reserve: entry.reserve,
      hugePage: entry.hugePage,
      annotation: entry.annotation,
    }));
  }

  /** `footprintBytes`: the user mappings' pages `/proc/self/pagemap` says are present and exclusive. */
  protected override measureLevels(): void {
    let resident = 0;
    if (!this.arena.isReleased) {
      for (const entry of this.table.all())
        resident += residentBytes(entry.start, entry.end, this.pageSize);
    }
    this.recorder.setFootprint(resident);
  }

  protected readBytes(address: number, length: number): Uint8Array {
    const out = new Uint8Array(length);
    out.set(this.libc.view(address, length));
    return out;
  }

  protected writeBytes(address: number, bytes: Uint8Array): void {
    this.libc.view(address, bytes.length).set(bytes);
    this.kernel.noteWritten(address, bytes.length);
  }

  protected fillBytes(address: number, length: number, value: number): void {
    this.libc.view(address, length).fill(value);
    this.kernel.noteWritten(address, length);
  }

  // ---- internals --------------------------------------------------------------

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
    this.kernel.syncAnonVmas(start, start + size);
    if (strategy.hugePage === HugePageSupport.TransparentHugePages) {
      // The hint is madvise(MADV_HUGEPAGE) after the mmap, which may have merged the
      // new VMA with a neighbour (and its anon_vma); the madvise splits it off again.
      this.libc.madvise(start, size, Linux.MADV_HUGEPAGE);
      this.table.update(start, start + size, (part) => ({ ...part, hugePage: strategy.hugePage }));
      this.kernel.syncAnonVmas(start, start + size);
    }
    this.refreshLevels();
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
   * Whether a mapping with this `reserve` flag can be charged: `MAP_NORESERVE`
   * exempts it, except under `vm.overcommit_memory=2`, where Linux ignores it.
   */
  private chargeable(reserve: boolean): boolean {
    return reserve || this.overcommitNever;
  }

  private refreshLevels(): void {
    this.recorder.setMapped(this.table.mappedBytes());
    this.recorder.setCommitted(this.table.accountedBytes());
  }
}
