import {
  KiB,
  MemoryFault,
  MiB,
  MmapAnnotation,
  MmapProtection,
  MmapStrategy,
  OSError,
  parseProcMaps,
} from "@osal/core";
import { describe, expect, it } from "vitest";
import { createGhcMegablock, ghcMegablockCapabilities } from "../src/index.js";
import { FlakyMemory, wasmMemory } from "./helpers.js";

const S = MmapStrategy.DEFAULT;

function codeOf(body: () => unknown): string | undefined {
  try {
    body();
  } catch (error) {
    return error instanceof OSError ? error.code : "not an OSError";
  }
  return undefined;
}

describe("options", () => {
  it("uses 1 MiB megablocks by default and 64 KiB on request", () => {
    expect(createGhcMegablock().pageSize).toBe(MiB);
    const small = createGhcMegablock({
      megablockSize: 64 * KiB,
      maximumBytes: 64 * MiB,
      growth: "exact",
    });
    expect(small.pageSize).toBe(64 * KiB);
    const a = small.getMBlocks(3);
    expect(a % (64 * KiB)).toBe(0);
    expect(small.memory.buffer.byteLength).toBe(a + 3 * 64 * KiB);
    small.freeMBlocks(a + 64 * KiB, 1);
    expect(small.getMappings().length).toBe(2);
    expect(small.getSystemTotalMemory()).toBe(64 * MiB);
    expect(small.addressSpaceEnd).toBe(64 * MiB);
  });

  it("rejects bad options with EINVAL", () => {
    expect(codeOf(() => createGhcMegablock({ megablockSize: 3 * MiB }))).toBe("EINVAL");
    expect(codeOf(() => createGhcMegablock({ megablockSize: 4 * KiB }))).toBe("EINVAL");
    expect(codeOf(() => createGhcMegablock({ maximumBytes: 1000 }))).toBe("EINVAL");
    expect(codeOf(() => createGhcMegablock({ maximumBytes: 8 * 1024 * MiB }))).toBe("EINVAL");
    const memory = wasmMemory(32);
    expect(codeOf(() => createGhcMegablock({ memory, maximumBytes: MiB }))).toBe("EINVAL");
  });

  it("declares what it does", () => {
    expect(createGhcMegablock().capabilities).toEqual(ghcMegablockCapabilities);
    expect(ghcMegablockCapabilities).toMatchObject({
      fixed: false,
      noReplace: false,
      partialUnmap: true,
      remapInPlace: false,
      enforcesProtection: false,
      returnsMemoryToHost: false,
      threadSafe: false,
      uninitialized: false,
      remapAcrossMappings: false,
      remapDontUnmap: false,
      remapFixed: false,
      setAnnotation: true,
    });
  });
});

describe("fixed mappings", () => {
  it("are ENOTSUP, with or without replace, changing nothing", () => {
    const os = createGhcMegablock();
    const a = os.getMBlocks(2);
    os.fill(a, 2 * MiB, 5);
    const maps = os.getMappings();
    expect(codeOf(() => os.dzmmap(a, MiB, MmapStrategy.TEST))).toBe("ENOTSUP");
    expect(codeOf(() => os.dzmmap(a + 8 * MiB, MiB, S))).toBe("ENOTSUP");
    expect(codeOf(() => os.dzmmap(a + 1, MiB, S))).toBe("EINVAL");
    expect(os.getMappings()).toEqual(maps);
    expect(os.read(a, 2 * MiB).every((byte) => byte === 5)).toBe(true);
    expect(os.stats().failedCalls.mmap).toBe(3);
  });

  it("dzmmapPreferred honours a free hint and otherwise maps anywhere", () => {
    const os = createGhcMegablock();
    const a = os.getMBlocks(4);
    os.freeMBlocks(a + MiB, 2);
    expect(os.dzmmapPreferred(a + 2 * MiB, MiB, MiB, S)).toBe(a + 2 * MiB);
    const elsewhere = os.dzmmapPreferred(a, MiB, MiB, S); // taken: not replaced
    expect(elsewhere).toBe(a + MiB);
    expect(os.stats().mappedBytes).toBe(4 * MiB);
    expect(os.memory.buffer.byteLength).toBe(a + 4 * MiB);
  });
});

describe("getMBlocks / freeMBlocks", () => {
  it("validate the count", () => {
    const os = createGhcMegablock();
    expect(codeOf(() => os.getMBlocks(0))).toBe("EINVAL");
    expect(codeOf(() => os.getMBlocks(1.5))).toBe("EINVAL");
    expect(codeOf(() => os.getMBlocks(5000))).toBe("ENOMEM");
    expect(codeOf(() => os.freeMBlocks(MiB, -1))).toBe("EINVAL");
    expect(codeOf(() => os.freeMBlocks(MiB + 1, 1))).toBe("EINVAL");
  });

  it("annotate megablocks and list them with foreign memory", () => {
    const memory = wasmMemory(1);
    const os = createGhcMegablock({ memory });
    const a = os.getMBlocks(2, MmapAnnotation.space("nursery"));
    os.dzmmapAnywhere(MiB, MiB, S.withProt(MmapProtection.NoAccess), MmapAnnotation.misc("guard"));
    const lines = parseProcMaps(os.getProcessMemoryMaps());
    expect(lines).toEqual([
      { start: 0, end: MiB, perms: "rw-p", name: "[heap]" },
      { start: a, end: a + 2 * MiB, perms: "rw-p", name: "[anon:space:nursery]" },
      { start: a + 2 * MiB, end: a + 3 * MiB, perms: "---p", name: "[anon:misc:guard]" },
    ]);
    expect(os.stats().calls.mmap).toBe(2);
  });
});

describe("memory.grow failure", () => {
  it("is ENOMEM with every mapping, byte and the memory size unchanged", () => {
    const memory = new FlakyMemory(wasmMemory(0));
    const os = createGhcMegablock({ memory });
    const a = os.getMBlocks(2);
    os.fill(a, 2 * MiB, 3);
    os.freeMBlocks(a + MiB, 1);
    const maps = os.getMappings();
    const stats = os.stats();
    memory.failGrow = true;
    expect(codeOf(() => os.getMBlocks(3))).toBe("ENOMEM");
    expect(codeOf(() => os.dzmmapAnywhere(2 * MiB, 4 * MiB, S))).toBe("ENOMEM");
    expect(codeOf(() => os.mremap(a, MiB, 4 * MiB, { mayMove: true }))).toBe("ENOMEM");
    expect(os.getMappings()).toEqual(maps);
    expect(os.memory.buffer.byteLength).toBe(stats.footprintBytes);
    expect(os.stats().zeroedBytes).toBe(stats.zeroedBytes);
    expect(os.read(a, MiB).every((byte) => byte === 3)).toBe(true);
    // The free megablock is still there to serve a request that fits.
    expect(os.getMBlocks(1)).toBe(a + MiB);
    memory.failGrow = false;
    expect(os.getMBlocks(3)).toBe(a + 2 * MiB);
  });
});

describe("mremap", () => {
  it("refuses to grow in place without mayMove, leaving the mapping intact", () => {
    const os = createGhcMegablock();
    const a = os.getMBlocks(2);
    os.fill(a, 2 * MiB, 1);
    expect(codeOf(() => os.mremap(a, 2 * MiB, 3 * MiB))).toBe("ENOMEM");
    expect(os.getMappings().map((m) => [m.start, m.end])).toEqual([[a, a + 2 * MiB]]);
    expect(os.read(a, 2 * MiB).every((byte) => byte === 1)).toBe(true);
  });

  it("grows with mayMove, in place when the next megablocks are free", () => {
    const os = createGhcMegablock();
    const a = os.getMBlocks(1, MmapAnnotation.space("los"));
    const b = os.getMBlocks(1);
    os.fill(b, MiB, 2);
    os.freeMBlocks(b, 1);
    os.fill(a, MiB, 4);
    expect(os.mremap(a, MiB, 3 * MiB, { mayMove: true })).toBe(a);
    expect(os.read(a, MiB).every((byte) => byte === 4)).toBe(true);
    expect(os.read(a + MiB, 2 * MiB).every((byte) => byte === 0)).toBe(true);
    expect(os.stats().zeroedBytes).toBe(MiB);
    expect(os.getMappings()).toHaveLength(1);
  });

  it("moves with mayMove when blocked, copying bytes and keeping attributes", () => {
    const os = createGhcMegablock();
    const annotation = MmapAnnotation.space("los");
    const a = os.dzmmapAnywhere(2 * MiB, MiB, S.withProt(MmapProtection.ReadWriteExec), annotation);
    const blocker = os.getMBlocks(1);
    os.fill(a, 2 * MiB, 6);
    const moved = os.mremap(a, 2 * MiB, 4 * MiB, { mayMove: true });
    expect(moved).not.toBe(a);
    expect(os.read(moved, 2 * MiB).every((byte) => byte === 6)).toBe(true);
    expect(os.read(moved + 2 * MiB, 2 * MiB).every((byte) => byte === 0)).toBe(true);
    const mapping = os.getMappings().find((m) => m.start === moved);
    expect(mapping).toMatchObject({ end: moved + 4 * MiB, prot: "ReadWriteExec", annotation });
    expect(codeOf(() => os.read(a, 1))).toBe("EFAULT");
    expect(os.getMBlocks(2)).toBe(a); // the old place went to the free list
    expect(blocker).toBe(a + 2 * MiB);
  });

  it("shrinks by freeing the tail, and rejects a range that is not one mapping", () => {
    const os = createGhcMegablock();
    const a = os.getMBlocks(4);
    expect(os.mremap(a, 4 * MiB, MiB)).toBe(a);
    expect(os.stats().mappedBytes).toBe(MiB);
    expect(codeOf(() => os.mremap(a, 2 * MiB, 3 * MiB, { mayMove: true }))).toBe("EFAULT");
    const b = os.dzmmapAnywhere(MiB, MiB, S.withProt(MmapProtection.NoAccess));
    expect(b).toBe(a + MiB);
    expect(codeOf(() => os.mremap(a, 2 * MiB, MiB))).toBe("EFAULT");
    expect(codeOf(() => os.mremap(a, MiB, MiB + 1))).toBe("EINVAL");
  });
});

describe("protection and the access API", () => {
  it("records protection and faults on NoAccess and unmapped megablocks", () => {
    const os = createGhcMegablock({ megablockSize: 64 * KiB });
    const page = 64 * KiB;
    const a = os.getMBlocks(3);
    os.setMemoryAccess(a + page, page, MmapProtection.NoAccess);
    expect(os.getMappings().map((m) => m.prot)).toEqual(["ReadWrite", "NoAccess", "ReadWrite"]);
    let fault: unknown;
    try {
      os.write(a + page - 2, new Uint8Array(4));
    } catch (caught) {
      fault = caught;
    }
    expect(fault).toBeInstanceOf(MemoryFault);
    expect((fault as MemoryFault).faultAddress).toBe(a + page);
    expect((fault as MemoryFault).reason).toBe("protection");
    expect(os.read(a + page - 2, 2)).toEqual(new Uint8Array(2));
    expect(() => os.fill(a + 3 * page, 1, 0)).toThrow(MemoryFault);
    expect(() => os.read(0, 1)).toThrow(MemoryFault);
    expect(codeOf(() => os.fill(a, 1, 256))).toBe("EINVAL");
    os.setMemoryAccess(a + page, page, MmapProtection.ReadWrite);
    expect(os.getMappings()).toHaveLength(1);
    os.write(a + page - 2, new Uint8Array([1, 2, 3, 4]));
    expect([...os.read(a + page - 2, 4)]).toEqual([1, 2, 3, 4]);
  });

  it("requires mapped ranges for mprotect and madvise (ENOMEM) and panicIfUnmapped (EFAULT)", () => {
    const os = createGhcMegablock();
    const a = os.getMBlocks(1);
    expect(codeOf(() => os.setMemoryAccess(a, 2 * MiB, MmapProtection.NoAccess))).toBe("ENOMEM");
    expect(codeOf(() => os.madvise(a, 2 * MiB, "dontneed"))).toBe("ENOMEM");
    expect(codeOf(() => os.panicIfUnmapped(a, 2 * MiB))).toBe("EFAULT");
    expect(() => os.panicIfUnmapped(a, MiB)).not.toThrow();
    expect(os.getMappings()[0]?.prot).toBe("ReadWrite");
  });
});

describe("stats and process facts", () => {
  it("report mapped, committed and footprint bytes", () => {
    const os = createGhcMegablock({ growth: "exact" });
    os.getMBlocks(2);
    os.dzmmapAnywhere(MiB, MiB, MmapStrategy.DEFAULT.withReserve(false));
    const stats = os.stats();
    expect(stats.mappedBytes).toBe(3 * MiB);
    expect(stats.committedBytes).toBe(2 * MiB);
    expect(stats.footprintBytes).toBe(os.memory.buffer.byteLength);
    os.munmap(0, 8 * MiB);
    expect(os.stats()).toMatchObject({ mappedBytes: 0, peakMappedBytes: 3 * MiB });
    expect(os.stats().footprintBytes).toBe(4 * MiB); // never returned
  });

  it("come from the host", () => {
    const os = createGhcMegablock();
    expect(os.getProcessId()).toBe(process.pid);
    expect(os.getTotalNumCpus()).toBeGreaterThan(0);
    expect(codeOf(() => os.bindCurrentThreadToCore(0))).toBe("ENOTSUP");
  });
});
