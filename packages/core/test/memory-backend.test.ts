import { describe, expect, it } from "vitest";
import {
  type BackendCall,
  type Capabilities,
  capabilityNames,
  firstEndingAfter,
  invalidOption,
  KiB,
  type MappedRun,
  type MappingInfo,
  MemoryBackend,
  MemoryFault,
  type MmapAnnotation,
  MmapError,
  MmapProtection,
  MmapStrategy,
  rangeAt,
  rangesCover,
  rangesOverlapping,
  SharedMemoryError,
} from "../src/index.js";

const PAGE = 4 * KiB;
const RW = MmapStrategy.DEFAULT;

/**
 * The smallest backend on the call path: one mapping table, no bytes kept
 * beyond a Map. It records which primitives ran, so the tests can say what
 * core decided before a primitive was reached.
 */
class Recording extends MemoryBackend {
  readonly pageSize = PAGE;
  readonly addressSpaceEnd = 64 * PAGE;
  readonly capabilities = Object.freeze(
    Object.fromEntries(capabilityNames.map((name) => [name, false])),
  ) as unknown as Capabilities;
  readonly primitives: string[] = [];
  refuse: BackendCall | undefined;
  runs: { start: number; end: number; prot: MmapProtection }[] = [];
  bytes = new Map<number, number>();

  protected override admit(call: BackendCall): void {
    if (call === this.refuse) throw new MmapError({ code: "EBADF", syscall: "mmap" });
  }
  protected mapFixed(start: number, size: number, strategy: MmapStrategy): void {
    this.primitives.push("mapFixed");
    this.unmapRange(start, size);
    this.runs.push({ start, end: start + size, prot: strategy.prot });
    this.runs.sort((a, b) => a.start - b.start);
  }
  protected mapAnywhere(size: number, _align: number, strategy: MmapStrategy): number {
    this.primitives.push("mapAnywhere");
    const start = this.addressSpaceEnd - size;
    this.mapFixed(start, size, strategy);
    return start;
  }
  protected unmapRange(start: number, size: number): void {
    this.runs = this.runs.filter((run) => run.end <= start || run.start >= start + size);
  }
  protected remapSource(): undefined {
    return undefined;
  }
  protected shrinkMapping(): void {}
  protected moveMapping(): number {
    return 0;
  }
  protected protect(): void {
    this.primitives.push("protect");
  }
  protected advise(): void {
    this.primitives.push("advise");
  }
  protected rename(_start: number, _size: number, _annotation?: MmapAnnotation): void {
    this.primitives.push("rename");
  }
  protected mappedRuns(start: number, end: number): Iterable<MappedRun> {
    return rangesOverlapping(this.runs, start, end);
  }
  protected readBytes(address: number, length: number): Uint8Array {
    return Uint8Array.from({ length }, (_, i) => this.bytes.get(address + i) ?? 0);
  }
  protected writeBytes(address: number, bytes: Uint8Array): void {
    for (const [i, byte] of bytes.entries()) this.bytes.set(address + i, byte);
  }
  protected fillBytes(address: number, length: number, value: number): void {
    for (let i = 0; i < length; i++) this.bytes.set(address + i, value);
  }
  getMappings(): readonly MappingInfo[] {
    return this.runs.map((run) => ({
      ...run,
      reserve: true,
      hugePage: RW.hugePage,
      annotation: undefined,
    }));
  }
  getSystemTotalMemory(): number {
    return this.addressSpaceEnd;
  }
}

function errorOf(body: () => unknown): MmapError {
  try {
    body();
  } catch (error) {
    if (error instanceof MmapError) return error;
    throw error;
  }
  throw new Error("expected an MmapError");
}

describe("the shared call path (MemoryBackend)", () => {
  it("checks arguments first, then the backend's refusals, then state, then the primitive", () => {
    const os = new Recording();
    os.refuse = "dzmmap";
    // A bad argument wins over the backend's refusal.
    expect(errorOf(() => os.dzmmap(1, PAGE, RW)).code).toBe("EINVAL");
    expect(errorOf(() => os.dzmmap(0, PAGE, RW)).code).toBe("EBADF");
    os.refuse = undefined;
    os.dzmmap(0, 2 * PAGE, RW);
    // MAP_FIXED_NOREPLACE over a mapping: EEXIST before the primitive is asked.
    const primitivesBefore = os.primitives.length;
    expect(errorOf(() => os.dzmmap(PAGE, PAGE, RW.withReplace(false))).code).toBe("EEXIST");
    expect(os.primitives.length).toBe(primitivesBefore);
    expect(os.stats().failedCalls.mmap).toBe(3);
    expect(os.stats().calls.mmap).toBe(4);
  });

  it("refuses mprotect, madvise and prctl over holes with ENOMEM before the primitive", () => {
    const os = new Recording();
    os.dzmmap(0, PAGE, RW);
    expect(errorOf(() => os.setMemoryAccess(0, 2 * PAGE, MmapProtection.NoAccess)).code).toBe(
      "ENOMEM",
    );
    expect(errorOf(() => os.madvise(0, 2 * PAGE, "dontneed")).syscall).toBe("madvise");
    expect(errorOf(() => os.setAnnotation(0, 2 * PAGE, undefined)).syscall).toBe("prctl");
    expect(os.primitives).toEqual(["mapFixed"]);
    expect(errorOf(() => os.panicIfUnmapped(0, 2 * PAGE)).code).toBe("EFAULT");
    expect(errorOf(() => os.mremap(8 * PAGE, PAGE, 2 * PAGE)).code).toBe("EFAULT");
  });

  it("faults accesses on the first unmapped or NoAccess byte and touches nothing", () => {
    const os = new Recording();
    os.dzmmap(0, PAGE, RW);
    os.dzmmap(PAGE, PAGE, RW.withProt(MmapProtection.NoAccess));
    const fault = errorOf(() => os.fill(PAGE - 2, 4, 7));
    expect(fault).toBeInstanceOf(MemoryFault);
    expect((fault as MemoryFault).faultAddress).toBe(PAGE);
    expect((fault as MemoryFault).reason).toBe("protection");
    expect(os.bytes.size).toBe(0);
    expect((errorOf(() => os.read(3 * PAGE, 1)) as MemoryFault).reason).toBe("unmapped");
    os.write(PAGE - 2, Uint8Array.of(1, 2));
    expect([...os.read(PAGE - 2, 2)]).toEqual([1, 2]);
  });

  it("uses a hint only when it is free and the backend accepts it (default: never)", () => {
    const os = new Recording();
    expect(os.dzmmapPreferred(0, PAGE, PAGE, RW)).toBe(63 * PAGE);
    expect(os.getProcessMemoryMaps()).toMatch(/^0003f000-00040000 rw-p/);
    expect(os.isMmapOom(new MmapError({ code: "ENOMEM", syscall: "mmap" }))).toBe(true);
  });

  it("gives one typed error for bad options and for a refused shared memory", () => {
    expect(invalidOption("x", "bad").code).toBe("EINVAL");
    const shared = new SharedMemoryError("x", "not thread-safe");
    expect(shared).toBeInstanceOf(MmapError);
    expect(shared.code).toBe("ENOTSUP");
  });
});

describe("range tables", () => {
  const runs = [
    { start: 0, end: 10 },
    { start: 10, end: 20 },
    { start: 30, end: 40 },
  ];
  it("finds the range holding an address and the ranges meeting a range", () => {
    expect(firstEndingAfter(runs, 25)).toBe(2);
    expect(rangeAt(runs, 10)).toBe(runs[1]);
    expect(rangeAt(runs, 25)).toBeUndefined();
    expect(rangesOverlapping(runs, 15, 31)).toEqual([runs[1], runs[2]]);
    expect(rangesOverlapping(runs, 20, 30)).toEqual([]);
    expect(rangesCover(rangesOverlapping(runs, 5, 20), 5, 20)).toBe(true);
    expect(rangesCover(rangesOverlapping(runs, 5, 31), 5, 31)).toBe(false);
  });
});
