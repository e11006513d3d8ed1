import { GiB, MiB, MmapError, MmapProtection, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createNodePosix, type NodePosix } from "../src/index.js";
import { loadLibc } from "../src/libc.js";
import { ProcMaps, viaText } from "../src/proc-maps.js";
import { rangeUsage } from "./differential/smaps.js";
import { closingFactory } from "./instances.js";

const make = closingFactory({ arenaSize: 4 * MiB });
const RW = MmapStrategy.DEFAULT;
const FIXED = MmapStrategy.TEST;

function codeOf(body: () => unknown): string | undefined {
  try {
    body();
  } catch (error) {
    if (error instanceof MmapError) return error.code;
    throw error;
  }
  return undefined;
}

/** Every kernel VMA touching the arena and its guard pages, from the text of /proc/self/maps. */
function arenaVmas(os: NodePosix) {
  return viaText(os.arenaStart - os.pageSize, os.addressSpaceEnd + os.pageSize);
}

describe("node-posix arena", () => {
  it("reserves an aligned arena that is the whole address space of the instance", () => {
    const os = make();
    expect(os.arenaStart % (2 * MiB)).toBe(0);
    expect(os.addressSpaceEnd - os.arenaStart).toBe(4 * MiB);
    expect(os.getMappings()).toEqual([]);
    expect(os.getProcessMemoryMaps()).toBe("");
    const vmas = arenaVmas(os);
    expect(vmas.map((v) => v.access)).toEqual(["---"]);
  });

  it("keeps every free arena page covered by a placeholder: no holes after unmapping or moving", () => {
    const os = make();
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(8 * p, p, RW);
    os.write(a, new Uint8Array([1, 2, 3]));
    os.munmap(a + 2 * p, 2 * p);
    os.dzmmap(a + 5 * p, p, FIXED.withProt(MmapProtection.NoAccess));
    const moved = os.mremap(a, 2 * p, 16 * p, { mayMove: true });
    os.mremap(moved, 16 * p, 4 * p);
    let cursor = os.arenaStart - p;
    for (const vma of arenaVmas(os)) {
      expect(vma.start).toBe(cursor);
      cursor = vma.end;
    }
    expect(cursor).toBe(os.addressSpaceEnd + p);
    expect(Array.from(os.read(moved, 3))).toEqual([1, 2, 3]);
  });

  it("keeps a user mapping at the arena's edge apart from whatever lies outside (guard pages)", () => {
    const os = make();
    const p = os.pageSize;
    os.dzmmap(os.arenaStart, p, FIXED);
    os.dzmmap(os.addressSpaceEnd - p, p, FIXED);
    expect(os.getMappings().map((m) => [m.start, m.end])).toEqual([
      [os.arenaStart, os.arenaStart + p],
      [os.addressSpaceEnd - p, os.addressSpaceEnd],
    ]);
    const edges = arenaVmas(os);
    expect(edges[0]).toMatchObject({ start: os.arenaStart - p, end: os.arenaStart, access: "---" });
    expect(edges.at(-1)).toMatchObject({ start: os.addressSpaceEnd, access: "---" });
  });

  it("refuses addresses below the arena with the codes Linux gives for memory a process cannot have", () => {
    const os = make();
    const p = os.pageSize;
    const below = os.arenaStart - 4 * p;
    expect(codeOf(() => os.dzmmap(below, p, FIXED))).toBe("EPERM");
    expect(codeOf(() => os.dzmmap(below, p, RW))).toBe("EPERM");
    expect(codeOf(() => os.munmap(below, p))).toBe("EINVAL");
    expect(codeOf(() => os.mremap(below, p, 2 * p, { mayMove: true }))).toBe("EFAULT");
    expect(codeOf(() => os.setMemoryAccess(below, p, MmapProtection.NoAccess))).toBe("ENOMEM");
    expect(codeOf(() => os.madvise(below, p, "dontneed"))).toBe("ENOMEM");
    expect(codeOf(() => os.read(below, 1))).toBe("EFAULT");
    const placed = os.dzmmapPreferred(below, p, p, RW);
    expect(placed).toBeGreaterThanOrEqual(os.arenaStart);
    expect(codeOf(() => os.dzmmap(os.addressSpaceEnd, p, FIXED))).toBe("ENOMEM");
  });

  it("fails with ENOMEM when the arena is full and changes nothing", () => {
    const os = make();
    const a = os.dzmmapAnywhere(3 * MiB, os.pageSize, RW);
    expect(codeOf(() => os.dzmmapAnywhere(2 * MiB, os.pageSize, RW))).toBe("ENOMEM");
    expect(codeOf(() => os.mremap(a, 3 * MiB, 5 * MiB, { mayMove: true }))).toBe("ENOMEM");
    expect(os.getMappings()).toHaveLength(1);
  });

  it("close() unmaps the arena; later calls fail with EBADF and accesses fault", () => {
    const os = createNodePosix({ arenaSize: 1 * MiB });
    const a = os.dzmmapAnywhere(os.pageSize, os.pageSize, RW);
    os.close();
    os.close();
    expect(viaText(os.arenaStart, os.addressSpaceEnd)).toEqual([]);
    expect(codeOf(() => os.dzmmapAnywhere(os.pageSize, os.pageSize, RW))).toBe("EBADF");
    expect(codeOf(() => os.munmap(a, os.pageSize))).toBe("EBADF");
    expect(codeOf(() => os.read(a, 1))).toBe("EFAULT");
    expect(os.getMappings()).toEqual([]);
  });

  it("rejects option values the kernel could not honour", () => {
    // Bad options are the one typed error every backend throws: MmapError EINVAL.
    expect(() => createNodePosix({ arenaSize: 1000 })).toThrow(MmapError);
    expect(codeOf(() => createNodePosix({ arenaSize: 1000 }))).toBe("EINVAL");
    expect(codeOf(() => createNodePosix({ arenaAlign: 3 * MiB }))).toBe("EINVAL");
  });

  it("can reserve a large arena without using memory", () => {
    const big = createNodePosix({ arenaSize: 64 * GiB });
    try {
      const start = big.dzmmapAnywhere(32 * GiB, big.pageSize, MmapStrategy.QUARANTINE);
      expect(big.stats()).toMatchObject({
        mappedBytes: 32 * GiB,
        footprintBytes: 0,
        committedBytes: 0,
      });
      big.munmap(start, 32 * GiB);
    } finally {
      big.close();
    }
  });
});

describe("node-posix reads the kernel's own figures", () => {
  it("PROCMAP_QUERY and the /proc/self/maps text list the same VMAs", () => {
    const os = make();
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(6 * p, p, RW);
    os.setMemoryAccess(a + p, p, MmapProtection.ReadWriteExec);
    os.setMemoryAccess(a + 3 * p, p, MmapProtection.NoAccess);
    const libc = loadLibc();
    const low = os.arenaStart - p;
    const high = os.addressSpaceEnd + p;
    expect(new ProcMaps(libc, true).vmas(low, high)).toEqual(
      new ProcMaps(libc, false).vmas(low, high),
    );
  });

  it("committedBytes follows VM_ACCOUNT as /proc/self/smaps shows it, uncharging unwritten memory made PROT_NONE", () => {
    const os = make();
    const p = os.pageSize;
    const kernel = () => rangeUsage(os.arenaStart, os.addressSpaceEnd).accountedBytes;
    const a = os.dzmmapAnywhere(8 * p, p, RW);
    os.dzmmapAnywhere(4 * p, p, MmapStrategy.DEFAULT.withReserve(false));
    os.dzmmapAnywhere(4 * p, p, MmapStrategy.QUARANTINE.withReserve(true));
    expect(os.stats().committedBytes).toBe(8 * p);
    os.write(a, new Uint8Array([1]));
    os.setMemoryAccess(a, 2 * p, MmapProtection.NoAccess);
    expect(os.stats().committedBytes).toBe(8 * p);
    const b = os.dzmmapAnywhere(4 * p, p, RW);
    os.setMemoryAccess(b, 4 * p, MmapProtection.NoAccess);
    expect(os.stats().committedBytes).toBe(8 * p);
    os.setMemoryAccess(b, 4 * p, MmapProtection.ReadWrite);
    expect(os.stats().committedBytes).toBe(12 * p);
    expect(kernel()).toBe(12 * p);
  });

  it("committedBytes stays right when a moved copy merges with the rest of its own VMA", () => {
    const os = createNodePosix({ arenaSize: 24 * 4096 });
    try {
      const p = os.pageSize;
      const at = (page: number) => os.arenaStart + page * p;
      os.dzmmap(at(11), p, FIXED);
      os.write(at(11), new Uint8Array([1]));
      os.dzmmap(at(19), 5 * p, FIXED);
      expect(os.mremap(at(19), 3 * p, 7 * p, { mayMove: true })).toBe(at(12));
      // The rest (22-24) merged, for a moment, with the copy and the written page: it
      // shares their anon_vma, so PROT_NONE does not uncharge it.
      os.setMemoryAccess(at(22), 2 * p, MmapProtection.NoAccess);
      expect(os.stats().committedBytes).toBe(10 * p);
      expect(rangeUsage(os.arenaStart, os.addressSpaceEnd).accountedBytes).toBe(10 * p);
    } finally {
      os.close();
    }
  });

  it("footprintBytes counts written pages, not the zero page reads map", () => {
    const os = make();
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(8 * p, p, RW);
    os.read(a, 8 * p);
    expect(os.stats().footprintBytes).toBe(0);
    os.fill(a, 3 * p, 7);
    expect(os.stats().footprintBytes).toBe(3 * p);
    os.madvise(a, p, "dontneed");
    expect(os.stats().footprintBytes).toBe(2 * p);
    expect(os.stats().peakFootprintBytes).toBe(3 * p);
    expect(os.stats().zeroedBytes).toBe(0);
  });

  it("says what it really does", () => {
    const os = make();
    expect(os.capabilities).toEqual({
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
    expect(os.getProcessId()).toBe(process.pid);
    expect(os.getSystemTotalMemory()).toBeGreaterThan(0);
  });
});
