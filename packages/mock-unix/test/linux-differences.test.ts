import { HugePageSupport, KiB, MmapProtection, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createMockUnix } from "../src/index.js";

/**
 * Regression tests for differences the differential test against the real
 * kernel (`@osal/node-posix`) found: where Linux keeps VMAs apart that look
 * the same in `/proc/self/maps`. The VMA boundaries matter beyond the listing:
 * `mremap` needs its range inside one VMA and fails with `EFAULT` otherwise.
 */
const P = 4 * KiB;
const FIXED = MmapStrategy.TEST;

function ranges(os: ReturnType<typeof createMockUnix>): string[] {
  return os.getMappings().map((m) => `${(m.start - base) / P}-${(m.end - base) / P}`);
}

const base = 0x10_0000;

function fresh() {
  return createMockUnix({ mmapMinAddr: base, mmapBase: base + 64 * P });
}

function mremapCode(
  os: ReturnType<typeof createMockUnix>,
  start: number,
  old: number,
  size: number,
) {
  try {
    os.mremap(start, old, size, { mayMove: true });
    return "ok";
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe("mock-unix keeps VMAs apart where Linux does", () => {
  it("madvise(nohugepage) sets VM_NOHUGEPAGE: the advised part is a VMA of its own", () => {
    const os = fresh();
    os.dzmmap(base, 6 * P, FIXED);
    os.madvise(base + 2 * P, 2 * P, "nohugepage");
    expect(ranges(os)).toEqual(["0-2", "2-4", "4-6"]);
    expect(os.getMappings().map((m) => m.hugePage)).toEqual(["No", "No", "No"]);
    expect(mremapCode(os, base, 4 * P, 8 * P)).toBe("EFAULT");
    os.madvise(base + 2 * P, 2 * P, "hugepage");
    os.madvise(base, 6 * P, "hugepage");
    expect(ranges(os)).toEqual(["0-6"]);
  });

  it("madvise(sequential / random) sets VM_SEQ_READ / VM_RAND_READ; normal clears them", () => {
    const os = fresh();
    os.dzmmap(base, 6 * P, FIXED);
    os.madvise(base + 2 * P, 2 * P, "sequential");
    expect(ranges(os)).toEqual(["0-2", "2-4", "4-6"]);
    os.madvise(base + 4 * P, 2 * P, "random");
    expect(ranges(os)).toEqual(["0-2", "2-4", "4-6"]);
    os.madvise(base, 6 * P, "normal");
    expect(ranges(os)).toEqual(["0-6"]);
    os.madvise(base, 6 * P, "willneed");
    os.madvise(base, 6 * P, "dontneed");
    expect(ranges(os)).toEqual(["0-6"]);
  });

  it("a mapping moved by mremap after it was written keeps its page offset and does not merge", () => {
    for (const written of [true, false]) {
      const os = fresh();
      os.dzmmap(base + 60 * P, 2 * P, FIXED);
      os.dzmmap(base + 10 * P, P, FIXED);
      os.dzmmap(base + 11 * P, P, FIXED.withProt(MmapProtection.NoAccess));
      if (written) os.write(base + 10 * P, new Uint8Array([1]));
      // Cannot grow in place (page 11 is taken): moves to the top, right after 60-62.
      expect(os.mremap(base + 10 * P, P, 2 * P, { mayMove: true })).toBe(base + 62 * P);
      expect(ranges(os)).toEqual(written ? ["11-12", "60-62", "62-64"] : ["11-12", "60-64"]);
    }
  });

  it("a mapping moved before it was written takes the offset of its new place and merges", () => {
    const os = fresh();
    const a = os.dzmmapAnywhere(2 * P, P, MmapStrategy.DEFAULT);
    const b = os.dzmmapAnywhere(2 * P, P, MmapStrategy.DEFAULT.withProt(MmapProtection.NoAccess));
    expect([a, b]).toEqual([base + 62 * P, base + 60 * P]);
    const moved = os.mremap(b, 2 * P, 3 * P, { mayMove: true });
    os.setMemoryAccess(moved, 3 * P, MmapProtection.ReadWrite);
    expect(moved).toBe(base + 57 * P);
    os.dzmmap(base + 60 * P, 2 * P, FIXED);
    expect(ranges(os)).toEqual(["57-64"]);
  });

  it("mapping the hole between two written mappings joins only one of them (their anon_vmas differ)", () => {
    const os = fresh();
    os.dzmmap(base, 2 * P, FIXED);
    os.write(base, new Uint8Array([1]));
    os.dzmmap(base + 3 * P, 2 * P, FIXED);
    os.write(base + 3 * P, new Uint8Array([2]));
    os.dzmmap(base + 2 * P, P, FIXED);
    expect(ranges(os)).toEqual(["0-3", "3-5"]);
    expect(mremapCode(os, base, 5 * P, 6 * P)).toBe("EFAULT");
  });

  it("without writes the same three mappings become one VMA", () => {
    const os = fresh();
    os.dzmmap(base, 2 * P, FIXED);
    os.dzmmap(base + 3 * P, 2 * P, FIXED);
    os.dzmmap(base + 2 * P, P, FIXED);
    expect(ranges(os)).toEqual(["0-5"]);
  });

  it("a zero fill counts as a write: it gives the VMA an anon_vma too", () => {
    const os = fresh();
    os.dzmmap(base, 2 * P, FIXED);
    os.fill(base, 1, 0);
    os.dzmmap(base + 3 * P, 2 * P, FIXED);
    os.fill(base + 3 * P, 1, 0);
    os.dzmmap(base + 2 * P, P, FIXED);
    expect(ranges(os)).toEqual(["0-3", "3-5"]);
  });
});

describe("mock-unix maps with a huge page hint as Linux does: mmap, then madvise(MADV_HUGEPAGE)", () => {
  it("the new mapping shares the anon_vma of the neighbour it briefly merged with", () => {
    // Found by the differential test (seed 2000752): the kernel kept the commit
    // charge of the hinted mapping after mprotect(PROT_NONE), because it had an anon_vma.
    const os = fresh();
    const rwx = FIXED.withProt(MmapProtection.ReadWriteExec);
    os.dzmmap(base + 5 * P, P, rwx);
    os.write(base + 5 * P, new Uint8Array([1]));
    os.dzmmap(base, 5 * P, rwx.withHugePage(HugePageSupport.TransparentHugePages));
    expect(ranges(os)).toEqual(["0-5", "5-6"]);
    expect(os.getMappings().map((m) => m.hugePage)).toEqual(["TransparentHugePages", "No"]);
    const committed = os.stats().committedBytes;
    os.setMemoryAccess(base, 4 * P, MmapProtection.NoAccess);
    expect(os.stats().committedBytes).toBe(committed);
  });

  it("without a written neighbour the hinted mapping is uncharged by mprotect(PROT_NONE)", () => {
    const os = fresh();
    const rwx = FIXED.withProt(MmapProtection.ReadWriteExec);
    os.dzmmap(base + 5 * P, P, rwx);
    os.dzmmap(base, 5 * P, rwx.withHugePage(HugePageSupport.TransparentHugePages));
    os.setMemoryAccess(base, 4 * P, MmapProtection.NoAccess);
    expect(os.stats().committedBytes).toBe(2 * P);
  });
});

describe("mock-unix moves with mremap as Linux does: copy first, then unmap the old range", () => {
  it("a copy placed right below its own unwritten VMA merges with it and with a written neighbour", () => {
    // Found by the differential test (seed 2020007): the rest of the source VMA
    // took the neighbour's anon_vma, so when it was moved later it kept its old
    // offset and no longer merged with a fresh mapping next to it.
    const os = createMockUnix({ mmapMinAddr: base, mmapBase: base + 24 * P });
    os.dzmmap(base + 24 * P, P, FIXED.withProt(MmapProtection.NoAccess).withReserve(false));
    os.dzmmap(base + 11 * P, P, FIXED);
    os.write(base + 11 * P, new Uint8Array([1]));
    os.dzmmap(base + 19 * P, 5 * P, FIXED);
    // 3 pages grow to 7: they cannot grow in place, and the highest free 7-page gap is 12-19.
    expect(os.mremap(base + 19 * P, 3 * P, 7 * P, { mayMove: true })).toBe(base + 12 * P);
    expect(ranges(os)).toEqual(["11-19", "22-24", "24-25"]);
    os.munmap(base + 18 * P, 5 * P);
    expect(os.mremap(base + 23 * P, P, 4 * P, { mayMove: true })).toBe(base + 19 * P);
    os.dzmmap(base + 20 * P, 3 * P, FIXED);
    expect(ranges(os)).toEqual(["11-18", "19-20", "20-23", "24-25"]);
  });
});

describe("mock-unix mremap checks what Linux checks", () => {
  it("to the same size: only the VMA at the old address must exist", () => {
    const os = fresh();
    os.dzmmap(base, 2 * P, FIXED);
    os.madvise(base + P, P, "sequential");
    expect(os.mremap(base, 2 * P, 2 * P)).toBe(base);
    expect(os.mremap(base, 4 * P, 4 * P)).toBe(base);
    expect(mremapCode(os, base + 2 * P, P, P)).toBe("EFAULT");
  });

  it("shrinking unmaps the tail whatever it spans: other VMAs and holes", () => {
    const os = fresh();
    os.dzmmap(base, 2 * P, FIXED);
    os.dzmmap(base + 3 * P, 2 * P, FIXED.withProt(MmapProtection.NoAccess));
    os.dzmmap(base + 6 * P, 2 * P, FIXED);
    expect(os.mremap(base, 7 * P, P)).toBe(base);
    expect(ranges(os)).toEqual(["0-1", "7-8"]);
  });

  it("shrinking from an unmapped address fails with EFAULT and changes nothing", () => {
    const os = fresh();
    os.dzmmap(base + P, 2 * P, FIXED);
    expect(mremapCode(os, base, 3 * P, P)).toBe("EFAULT");
    expect(ranges(os)).toEqual(["1-3"]);
  });

  it("growing still needs the whole old range inside the VMA at the old address", () => {
    const os = fresh();
    os.dzmmap(base, 2 * P, FIXED);
    os.madvise(base + P, P, "sequential");
    expect(mremapCode(os, base, 2 * P, 3 * P)).toBe("EFAULT");
    expect(ranges(os)).toEqual(["0-1", "1-2"]);
  });
});
