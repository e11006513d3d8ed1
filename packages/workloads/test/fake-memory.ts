import {
  type Capabilities,
  checkAccess,
  checkAdvice,
  checkAlign,
  checkProtection,
  checkRange,
  checkRemapOptions,
  checkStrategy,
  GiB,
  HugePageSupport,
  hasErrorCode,
  type MadviseAdvice,
  type MappingInfo,
  MemoryFault,
  type MemoryStats,
  type MmapAnnotation,
  MmapError,
  MmapProtection,
  type MmapStrategy,
  type MremapOptions,
  type OSMemory,
  StatsRecorder,
  unsupported,
} from "@osal/core";

/** Knobs of {@link FakeMemory}: the defaults give a backend that supports everything. */
export interface FakeMemoryOptions {
  pageSize?: number;
  addressSpaceEnd?: number;
  /** `dzmmap` at an exact address works; otherwise it throws `ENOTSUP`. */
  fixed?: boolean;
  /** `mremap` grows in place when the next pages are free; otherwise it throws `ENOMEM` without `mayMove`. */
  remapInPlace?: boolean;
  /** A broken backend: unmapped pages keep their bytes and are handed out again dirty. */
  forgetsToZero?: boolean;
}

const unmapped = 0;
const protCode: Record<MmapProtection, number> = {
  [MmapProtection.NoAccess]: 1,
  [MmapProtection.ReadWrite]: 2,
  [MmapProtection.ReadWriteExec]: 3,
};
const protOf = [
  undefined,
  MmapProtection.NoAccess,
  MmapProtection.ReadWrite,
  MmapProtection.ReadWriteExec,
];

/**
 * A small page-map `OSMemory` for the workload tests: one byte of protection per
 * page, page contents materialised on first write (footprint = resident pages), and
 * first-fit placement from the lowest address. It zeroes (and counts) a page mapped
 * again after it held bytes. Not a conformance-grade backend: just enough to run the
 * workloads against, with switches to take capabilities away.
 */
export class FakeMemory implements OSMemory {
  readonly pageSize: number;
  readonly addressSpaceEnd: number;
  readonly capabilities: Capabilities;
  private readonly prot: Uint8Array;
  private readonly data = new Map<number, Uint8Array>();
  private readonly recorder = new StatsRecorder();
  private readonly forgetsToZero: boolean;
  private readonly remapInPlace: boolean;
  private mappedPages = 0;

  constructor(options: FakeMemoryOptions = {}) {
    this.pageSize = options.pageSize ?? 64 * 1024;
    this.addressSpaceEnd = options.addressSpaceEnd ?? 4 * GiB;
    this.prot = new Uint8Array(this.addressSpaceEnd / this.pageSize);
    this.forgetsToZero = options.forgetsToZero ?? false;
    this.remapInPlace = options.remapInPlace ?? true;
    this.capabilities = {
      fixed: options.fixed ?? true,
      noReplace: options.fixed ?? true,
      partialUnmap: true,
      remapInPlace: this.remapInPlace,
      enforcesProtection: true,
      reservesWithoutCommit: true,
      returnsMemoryToHost: true,
      threadSafe: false,
      uninitialized: false,
      remapAcrossMappings: false,
      remapDontUnmap: false,
      remapFixed: false,
      setAnnotation: false,
    };
  }

  dzmmap(start: number, size: number, strategy: MmapStrategy, annotation?: MmapAnnotation): void {
    this.recorder.track("mmap", () => {
      checkStrategy("mmap", strategy, start, size, annotation);
      checkRange("mmap", start, size, this, annotation);
      if (!this.capabilities.fixed) {
        throw new MmapError({ code: "ENOTSUP", syscall: "mmap", address: start, size, annotation });
      }
      if (!strategy.replace && !this.isFree(start, size)) {
        throw new MmapError({ code: "EEXIST", syscall: "mmap", address: start, size, annotation });
      }
      this.place(start, size, strategy.prot);
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
      checkRange("mmap", 0, size, this, annotation);
      const start = this.findFree(size, checkAlign("mmap", align, this, size, annotation));
      this.place(start, size, strategy.prot);
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
      const at =
        this.capabilities.fixed && this.isFree(start, size)
          ? start
          : this.findFree(size, checkAlign("mmap", align, this, size, annotation));
      this.place(at, size, strategy.prot);
      return at;
    });
  }

  munmap(start: number, size: number): void {
    this.recorder.track("munmap", () => {
      checkRange("munmap", start, size, this);
      this.clear(start, size);
      this.report();
    });
  }

  mremap(start: number, oldSize: number, newSize: number, options?: MremapOptions): number {
    return this.recorder.track("mremap", () => {
      checkRange("mremap", start, oldSize, this);
      checkRange("mremap", start, newSize, this);
      checkRemapOptions(options, this.capabilities, start, oldSize, newSize, this);
      const prot = this.prot[start / this.pageSize]!;
      for (let p = start / this.pageSize; p < (start + oldSize) / this.pageSize; p++) {
        if (this.prot[p] !== prot || prot === unmapped) {
          throw new MmapError({ code: "EFAULT", syscall: "mremap", address: start, size: oldSize });
        }
      }
      if (newSize <= oldSize) {
        if (newSize < oldSize) this.clear(start + newSize, oldSize - newSize);
        this.report();
        return start;
      }
      if (this.remapInPlace && this.isFree(start + oldSize, newSize - oldSize)) {
        this.place(start + oldSize, newSize - oldSize, protOf[prot]!);
        return start;
      }
      if (!options?.mayMove) {
        throw new MmapError({ code: "ENOMEM", syscall: "mremap", address: start, size: newSize });
      }
      const to = this.findFree(newSize, this.pageSize);
      this.place(to, newSize, protOf[prot]!);
      for (let i = 0; i < oldSize / this.pageSize; i++) {
        const bytes = this.data.get(start / this.pageSize + i);
        if (bytes) this.data.set(to / this.pageSize + i, bytes);
        this.data.delete(start / this.pageSize + i);
      }
      this.clear(start, oldSize);
      this.report();
      return to;
    });
  }

  setMemoryAccess(start: number, size: number, prot: MmapProtection): void {
    this.recorder.track("mprotect", () => {
      checkRange("mprotect", start, size, this);
      checkProtection("mprotect", prot, start, size);
      this.requireMapped("mprotect", start, size);
      this.prot.fill(protCode[prot], start / this.pageSize, (start + size) / this.pageSize);
    });
  }

  madvise(start: number, size: number, advice: MadviseAdvice): void {
    this.recorder.track("madvise", () => {
      checkRange("madvise", start, size, this);
      checkAdvice(advice, start, size);
      this.requireMapped("madvise", start, size);
      if (advice === "dontneed") {
        for (let p = start / this.pageSize; p < (start + size) / this.pageSize; p++)
          this.data.delete(p);
        this.report();
      }
    });
  }

  setAnnotation(start: number, size: number, _annotation: MmapAnnotation | undefined): void {
    throw unsupported("prctl", "not supported by the fake", start, size);
  }

  panicIfUnmapped(start: number, size: number): void {
    for (let p = start / this.pageSize; p < (start + size) / this.pageSize; p++) {
      if (this.prot[p] === unmapped) {
        throw new MmapError({ code: "EFAULT", syscall: "mmap", address: start, size });
      }
    }
  }

  isMmapOom(error: unknown): boolean {
    return hasErrorCode(error, "ENOMEM");
  }

  getSystemTotalMemory(): number {
    return this.addressSpaceEnd;
  }

  getMappings(): readonly MappingInfo[] {
    const out: MappingInfo[] = [];
    let p = 0;
    while (p < this.prot.length) {
      const code = this.prot[p]!;
      let q = p + 1;
      while (q < this.prot.length && this.prot[q] === code) q++;
      if (code !== unmapped) {
        out.push({
          start: p * this.pageSize,
          end: q * this.pageSize,
          prot: protOf[code]!,
          reserve: true,
          hugePage: HugePageSupport.No,
          annotation: undefined,
        });
      }
      p = q;
    }
    return out;
  }

  stats(): MemoryStats {
    return this.recorder.snapshot();
  }

  read(address: number, length: number): Uint8Array {
    checkAccess("read", address, length);
    this.requireAccessible("read", address, length);
    const out = new Uint8Array(length);
    this.eachPagePart(address, length, (page, offset, from, count) => {
      const bytes = this.data.get(page);
      if (bytes) out.set(bytes.subarray(offset, offset + count), from);
    });
    return out;
  }

  write(address: number, bytes: Uint8Array): void {
    checkAccess("write", address, bytes.length);
    this.requireAccessible("write", address, bytes.length);
    this.eachPagePart(address, bytes.length, (page, offset, from, count) => {
      this.resident(page).set(bytes.subarray(from, from + count), offset);
    });
    this.report();
  }

  fill(address: number, length: number, value: number): void {
    checkAccess("fill", address, length, value);
    this.requireAccessible("fill", address, length);
    this.eachPagePart(address, length, (page, offset, _from, count) => {
      this.resident(page).fill(value, offset, offset + count);
    });
    this.report();
  }

  private resident(page: number): Uint8Array {
    let bytes = this.data.get(page);
    if (!bytes) {
      bytes = new Uint8Array(this.pageSize);
      this.data.set(page, bytes);
    }
    return bytes;
  }

  private eachPagePart(
    address: number,
    length: number,
    body: (page: number, offset: number, from: number, count: number) => void,
  ): void {
    let done = 0;
    while (done < length) {
      const at = address + done;
      const page = Math.floor(at / this.pageSize);
      const offset = at - page * this.pageSize;
      const count = Math.min(this.pageSize - offset, length - done);
      body(page, offset, done, count);
      done += count;
    }
  }

  private requireAccessible(
    call: "read" | "write" | "fill",
    address: number,
    length: number,
  ): void {
    if (length === 0) return;
    const first = Math.floor(address / this.pageSize);
    const last = Math.floor((address + length - 1) / this.pageSize);
    for (let p = first; p <= last; p++) {
      const code = this.prot[p] ?? unmapped;
      if (code === unmapped || code === protCode.NoAccess) {
        throw new MemoryFault({
          syscall: call,
          address,
          size: length,
          faultAddress: Math.max(address, p * this.pageSize),
          reason: code === unmapped ? "unmapped" : "protection",
        });
      }
    }
  }

  private requireMapped(call: "mprotect" | "madvise", start: number, size: number): void {
    for (let p = start / this.pageSize; p < (start + size) / this.pageSize; p++) {
      if (this.prot[p] === unmapped) {
        throw new MmapError({ code: "ENOMEM", syscall: call, address: start, size });
      }
    }
  }

  private isFree(start: number, size: number): boolean {
    if (start + size > this.addressSpaceEnd) return false;
    for (let p = start / this.pageSize; p < (start + size) / this.pageSize; p++) {
      if (this.prot[p] !== unmapped) return false;
    }
    return true;
  }

  private findFree(size: number, align: number): number {
    const pages = size / this.pageSize;
    const step = align / this.pageSize;
    let p = step; // keep page 0 (and the first aligned unit) unmapped, like a null guard
    while (p + pages <= this.prot.length) {
      let q = p;
      while (q < p + pages && this.prot[q] === unmapped) q++;
      if (q === p + pages) return p * this.pageSize;
      p = Math.ceil((q + 1) / step) * step;
    }
    throw new MmapError({ code: "ENOMEM", syscall: "mmap", size, detail: "address space full" });
  }

  private place(start: number, size: number, prot: MmapProtection): void {
    const first = start / this.pageSize;
    const end = (start + size) / this.pageSize;
    for (let p = first; p < end; p++) {
      if (this.prot[p] === unmapped) this.mappedPages++;
      if (!this.forgetsToZero && this.data.delete(p)) this.recorder.addZeroed(this.pageSize);
    }
    this.prot.fill(protCode[prot], first, end);
    this.report();
  }

  private clear(start: number, size: number): void {
    for (let p = start / this.pageSize; p < (start + size) / this.pageSize; p++) {
      if (this.prot[p] !== unmapped) this.mappedPages--;
      this.prot[p] = unmapped;
      if (!this.forgetsToZero) this.data.delete(p);
    }
  }

  private report(): void {
    this.recorder.setMapped(this.mappedPages * this.pageSize);
    let resident = 0;
    for (const page of this.data.keys()) if (this.prot[page] !== unmapped) resident++;
    this.recorder.setFootprint(resident * this.pageSize);
  }
}
