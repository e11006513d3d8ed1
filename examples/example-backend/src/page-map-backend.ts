/**
 * Note [A backend in about 100 lines]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * The example of CONTRIBUTING's "Add a backend": a simulated 256 MiB address
 * space of 64 KiB pages, one `Map` entry per mapped page (its attributes, and
 * its bytes once written: demand zero). It extends core's `MemoryBackend`, so
 * argument checks, their order and codes, `EEXIST`, `ENOMEM` over holes,
 * `EFAULT`, access faults, stats counting and `/proc/self/maps` text are
 * core's; this file only implements the primitives. Placement is core's
 * `findTopDown` over the mapped runs. Not thread-safe; protection is checked
 * by the access API.
 */
import {
  type Capabilities,
  findTopDown,
  HugePageSupport,
  isAccountable,
  type MadviseAdvice,
  type MappedRun,
  type MappingInfo,
  MemoryBackend,
  type MmapAnnotation,
  MmapError,
  type MmapProtection,
  type MmapStrategy,
  type RemapSource,
  sameAnnotation,
} from "@osal/core";

/** One mapped page: its attributes, and its bytes once something was written. */
interface Page extends Omit<MappingInfo, "start" | "end"> {
  bytes?: Uint8Array;
}

const P = 64 * 1024;

/** A minimal osal backend on the shared call path: pages in a `Map`. */
export class PageMapBackend extends MemoryBackend {
  readonly pageSize = P;
  readonly addressSpaceEnd = 256 * 1024 * 1024;
  readonly capabilities: Capabilities = Object.freeze({
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
  private readonly pages = new Map<number, Page>();

  protected mapFixed(start: number, size: number, s: MmapStrategy, annotation?: MmapAnnotation) {
    const page = { prot: s.prot, reserve: s.reserve, hugePage: s.hugePage, annotation };
    for (let at = start; at < start + size; at += P) this.pages.set(at, { ...page });
    this.levels();
  }
  protected mapAnywhere(size: number, align: number, s: MmapStrategy, a?: MmapAnnotation) {
    const start = this.place(size, align);
    this.mapFixed(start, size, s, a);
    return start;
  }
  protected override mapAtHint(start: number, size: number, s: MmapStrategy, a?: MmapAnnotation) {
    if (start === 0) return false; // address 0 is never handed out
    this.mapFixed(start, size, s, a);
    return true;
  }
  protected unmapRange(start: number, size: number) {
    for (let at = start; at < start + size; at += P) this.pages.delete(at);
    this.levels();
  }
  protected remapSource(start: number): RemapSource | undefined {
    const mapping = this.getMappings().find((m) => m.start <= start && start < m.end);
    return mapping && { end: mapping.end, annotation: mapping.annotation };
  }
  protected shrinkMapping(start: number, oldSize: number, newSize: number) {
    this.unmapRange(start + newSize, oldSize - newSize);
  }
  protected override growInPlace(start: number, oldSize: number, newSize: number) {
    this.extend(this.pages.get(start + oldSize - P)!, start + oldSize, start + newSize);
    return true;
  }
  protected moveMapping(start: number, oldSize: number, newSize: number) {
    const target = this.place(newSize, P);
    const moved = [...Array(oldSize / P).keys()].map((i) => this.pages.get(start + i * P)!);
    this.unmapRange(start, oldSize);
    for (const [i, page] of moved.entries()) this.pages.set(target + i * P, page);
    this.extend(moved[moved.length - 1]!, target + oldSize, target + newSize);
    return target;
  }
  protected protect(start: number, size: number, prot: MmapProtection) {
    this.update(start, size, (page) => ({ ...page, prot }));
  }
  protected advise(start: number, size: number, advice: MadviseAdvice) {
    if (advice === "dontneed") this.update(start, size, ({ bytes: _, ...page }) => page);
    const huge = { hugepage: HugePageSupport.TransparentHugePages, nohugepage: HugePageSupport.No };
    if (advice === "hugepage" || advice === "nohugepage") {
      this.update(start, size, (page) => ({ ...page, hugePage: huge[advice] }));
    }
  }
  protected rename(start: number, size: number, annotation: MmapAnnotation | undefined) {
    this.update(start, size, (page) => ({ ...page, annotation }));
  }
  protected *mappedRuns(start: number, end: number): Iterable<MappedRun> {
    for (let at = start - (start % P); at < end; at += P) {
      const page = this.pages.get(at);
      if (page) yield { start: at, end: at + P, prot: page.prot };
    }
  }
  getMappings(): readonly MappingInfo[] {
    const out: MappingInfo[] = [];
    for (const at of [...this.pages.keys()].sort((a, b) => a - b)) {
      const { bytes: _, ...page } = this.pages.get(at)!;
      const last = out[out.length - 1];
      const same =
        last?.end === at &&
        last.prot === page.prot &&
        last.reserve === page.reserve &&
        last.hugePage === page.hugePage &&
        sameAnnotation(last.annotation, page.annotation);
      if (same) out[out.length - 1] = { ...last, end: at + P };
      else out.push({ start: at, end: at + P, ...page });
    }
    return out;
  }
  getSystemTotalMemory() {
    return this.addressSpaceEnd;
  }
  protected readBytes(address: number, length: number) {
    const out = new Uint8Array(length);
    this.eachPart(address, length, (page, offset, count, done) => {
      if (page.bytes) out.set(page.bytes.subarray(offset, offset + count), done);
    });
    return out;
  }
  protected writeBytes(address: number, bytes: Uint8Array) {
    this.eachPart(address, bytes.length, (page, offset, count, done) =>
      this.bytesOf(page).set(bytes.subarray(done, done + count), offset),
    );
  }
  protected fillBytes(address: number, length: number, value: number) {
    this.eachPart(address, length, (page, o, count) =>
      this.bytesOf(page).fill(value, o, o + count),
    );
  }

  private place(size: number, align: number): number {
    const start = findTopDown(this.getMappings(), size, align, P, this.addressSpaceEnd);
    if (start === undefined) throw new MmapError({ code: "ENOMEM", syscall: "mmap", size });
    return start;
  }
  /** Maps `[from, to)` with the attributes of `last` (fresh zero pages), as growing does. */
  private extend({ bytes: _, ...last }: Page, from: number, to: number) {
    for (let at = from; at < to; at += P) this.pages.set(at, { ...last });
    this.levels();
  }
  private update(start: number, size: number, change: (page: Page) => Page) {
    for (let at = start; at < start + size; at += P)
      this.pages.set(at, change(this.pages.get(at)!));
    this.levels();
  }
  private eachPart(
    address: number,
    length: number,
    body: (page: Page, offset: number, count: number, done: number) => void,
  ) {
    for (let done = 0; done < length; ) {
      const offset = (address + done) % P;
      const count = Math.min(P - offset, length - done);
      body(this.pages.get(address + done - offset)!, offset, count, done);
      done += count;
    }
  }
  private bytesOf(page: Page): Uint8Array {
    if (!page.bytes) this.recorder.addZeroed(P); // a fresh zero page, as a kernel faults one in
    page.bytes ??= new Uint8Array(P);
    this.levels();
    return page.bytes;
  }
  private levels() {
    const all = [...this.pages.values()];
    this.recorder.setMapped(all.length * P);
    this.recorder.setFootprint(all.filter((page) => page.bytes).length * P);
    this.recorder.setCommitted(
      all.filter((page) => isAccountable(page.prot, page.reserve)).length * P,
    );
  }
}
