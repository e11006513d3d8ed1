import { KiB, MiB, MmapAnnotation, MmapError, MmapProtection, MmapStrategy, TiB } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createMockUnix } from "../src/index.js";

const RW = MmapStrategy.DEFAULT;
const FIXED = MmapStrategy.DEFAULT.withReplace(true);

function codeOf(body: () => unknown): string | undefined {
  try {
    body();
  } catch (error) {
    if (error instanceof MmapError) return error.code;
    throw error;
  }
  return undefined;
}

describe("mock-unix address space", () => {
  it("places anonymous mappings top-down below mmap_base, like Linux", () => {
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(64 * KiB, 4 * KiB, RW);
    const b = os.dzmmapAnywhere(64 * KiB, 4 * KiB, RW);
    expect(a).toBe(0x7f0000000000 - 64 * KiB);
    expect(b).toBe(a - 64 * KiB);
  });

  it("merges adjacent mappings with the same attributes into one VMA", () => {
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(8 * KiB, 4 * KiB, RW);
    os.dzmmapAnywhere(8 * KiB, 4 * KiB, RW);
    expect(os.getMappings()).toHaveLength(1);
    expect(os.getMappings()[0]).toMatchObject({ start: a - 8 * KiB, end: a + 8 * KiB });
  });

  it("splits a VMA in three when the middle is unmapped or reprotected", () => {
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(12 * KiB, 4 * KiB, RW);
    os.setMemoryAccess(a + 4 * KiB, 4 * KiB, MmapProtection.NoAccess);
    expect(os.getMappings().map((m) => m.prot)).toEqual(["ReadWrite", "NoAccess", "ReadWrite"]);
    os.setMemoryAccess(a + 4 * KiB, 4 * KiB, MmapProtection.ReadWrite);
    expect(os.getMappings()).toHaveLength(1);
    os.munmap(a + 4 * KiB, 4 * KiB);
    expect(os.getMappings().map((m) => [m.start, m.end])).toEqual([
      [a, a + 4 * KiB],
      [a + 8 * KiB, a + 12 * KiB],
    ]);
  });

  it("refuses fixed mappings below vm.mmap_min_addr with EPERM", () => {
    const os = createMockUnix();
    expect(codeOf(() => os.dzmmap(4 * KiB, 4 * KiB, FIXED))).toBe("EPERM");
    expect(os.getMappings()).toEqual([]);
  });

  it("supports 16 KiB and 64 KiB pages and rejects other sizes", () => {
    expect(createMockUnix({ pageSize: 16384 }).pageSize).toBe(16 * KiB);
    const big = createMockUnix({ pageSize: 65536 });
    expect(codeOf(() => big.dzmmapAnywhere(4 * KiB, 1, RW))).toBe("EINVAL");
    // A bad option is the one typed error every backend throws: MmapError EINVAL.
    expect(() => createMockUnix({ pageSize: 8192 as never })).toThrow(MmapError);
    expect(codeOf(() => createMockUnix({ pageSize: 8192 as never }))).toBe("EINVAL");
  });

  it("fails with ENOMEM when no range of the size fits", () => {
    const os = createMockUnix({ addressBits: 32, mmapBase: 2 ** 31 });
    expect(codeOf(() => os.dzmmapAnywhere(4 * 1024 * MiB, 4 * KiB, RW))).toBe("ENOMEM");
    const big = os.dzmmapAnywhere(2 * 1024 * MiB, 4 * KiB, MmapStrategy.QUARANTINE);
    expect(big).toBeGreaterThan(0);
    expect(codeOf(() => os.dzmmapAnywhere(2 * 1024 * MiB, 4 * KiB, RW))).toBe("ENOMEM");
  });

  it("caps the number of VMAs at vm.max_map_count, changing nothing", () => {
    const os = createMockUnix({ maxMapCount: 2 });
    const a = os.dzmmapAnywhere(16 * KiB, 4 * KiB, RW);
    os.munmap(a + 4 * KiB, 4 * KiB);
    const before = os.getMappings();
    expect(before).toHaveLength(2);
    expect(codeOf(() => os.setMemoryAccess(a + 12 * KiB, 4 * KiB, MmapProtection.NoAccess))).toBe(
      "ENOMEM",
    );
    expect(os.getMappings()).toEqual(before);
    expect(codeOf(() => os.munmap(a + 8 * KiB, 4 * KiB))).toBeUndefined();
  });
});

describe("mock-unix mremap", () => {
  it("grows in place when the pages after the mapping are free, keeping bytes", () => {
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(8 * KiB, 4 * KiB, RW);
    os.munmap(a, 8 * KiB);
    os.dzmmap(a, 4 * KiB, RW);
    os.write(a, new Uint8Array([1, 2, 3]));
    expect(os.mremap(a, 4 * KiB, 8 * KiB)).toBe(a);
    expect([...os.read(a, 3)]).toEqual([1, 2, 3]);
    expect([...os.read(a + 4 * KiB, 4)]).toEqual([0, 0, 0, 0]);
  });

  it("moves with mayMove when blocked, carrying resident pages and freeing the old range", () => {
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(8 * KiB, 4 * KiB, RW, MmapAnnotation.space("los"));
    os.write(a + 4 * KiB, new Uint8Array([9]));
    os.dzmmapAnywhere(4 * KiB, 4 * KiB, RW);
    os.dzmmap(a + 8 * KiB, 4 * KiB, RW);
    expect(codeOf(() => os.mremap(a, 8 * KiB, 16 * KiB))).toBe("ENOMEM");
    const moved = os.mremap(a, 8 * KiB, 16 * KiB, { mayMove: true });
    expect(moved).not.toBe(a);
    expect(os.read(moved + 4 * KiB, 1)[0]).toBe(9);
    expect(() => os.read(a, 1)).toThrow(MmapError);
    expect(os.getMappings().find((m) => m.start === moved)?.annotation).toEqual(
      MmapAnnotation.space("los"),
    );
    expect(os.stats().footprintBytes).toBe(4 * KiB);
  });

  it("fails with EFAULT when the old range spans two mappings", () => {
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(8 * KiB, 4 * KiB, RW);
    os.setMemoryAccess(a + 4 * KiB, 4 * KiB, MmapProtection.ReadWriteExec);
    expect(codeOf(() => os.mremap(a, 8 * KiB, 16 * KiB, { mayMove: true }))).toBe("EFAULT");
  });
});

describe("mock-unix demand-zero pages", () => {
  it("reserves 1 TiB NoAccess for free and charges only touched pages of 4 MiB chunks mapped inside", () => {
    const os = createMockUnix();
    const heap = os.dzmmapAnywhere(
      TiB,
      4 * MiB,
      MmapStrategy.QUARANTINE,
      MmapAnnotation.space("heap"),
    );
    expect(heap % (4 * MiB)).toBe(0);
    expect(os.stats().footprintBytes).toBe(0);
    expect(os.stats().committedBytes).toBe(0);
    const chunks = [0, 1, 1000, 200_000].map((i) => heap + i * 4 * MiB);
    for (const chunk of chunks)
      os.dzmmap(
        chunk,
        4 * MiB,
        MmapStrategy.DEFAULT.withReplace(true),
        MmapAnnotation.space("immix"),
      );
    expect(os.stats().committedBytes).toBe(4 * 4 * MiB);
    expect(os.stats().footprintBytes).toBe(0);
    os.write(chunks[0]!, new Uint8Array(10).fill(7));
    os.fill(chunks[2]! + 4 * KiB, 8 * KiB, 1);
    os.read(chunks[3]!, 4 * MiB);
    expect(os.stats().footprintBytes).toBe(3 * 4 * KiB);
    expect(os.residentBytesIn(chunks[2]!, 4 * MiB)).toBe(8 * KiB);
    expect(os.stats().mappedBytes).toBe(TiB);
    expect(() => os.read(heap + 8 * MiB, 1)).toThrow(/no access/);
  });

  it("counts a page as zeroed when it is first touched, and drops it on dontneed", () => {
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(16 * KiB, 4 * KiB, RW);
    os.write(a, new Uint8Array([5]));
    os.write(a + 1, new Uint8Array([6]));
    expect(os.stats().zeroedBytes).toBe(4 * KiB);
    os.madvise(a, 16 * KiB, "dontneed");
    expect(os.stats().footprintBytes).toBe(0);
    expect(os.read(a, 2)).toEqual(new Uint8Array(2));
    expect(os.getMappings()).toHaveLength(1);
  });

  it("records huge page advice on the VMA", () => {
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(8 * KiB, 4 * KiB, RW);
    os.madvise(a, 4 * KiB, "hugepage");
    expect(os.getMappings().map((m) => m.hugePage)).toEqual(["TransparentHugePages", "No"]);
  });
});
