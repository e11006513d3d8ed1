import { KiB, MmapProtection, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createMockUnix } from "../src/index.js";

describe("mock-unix commit accounting", () => {
  it("charges reserved writable mappings and not MAP_NORESERVE or PROT_NONE ones", () => {
    const os = createMockUnix();
    os.dzmmapAnywhere(64 * KiB, 4 * KiB, MmapStrategy.DEFAULT);
    os.dzmmapAnywhere(64 * KiB, 4 * KiB, MmapStrategy.DEFAULT.withReserve(false));
    os.dzmmapAnywhere(64 * KiB, 4 * KiB, MmapStrategy.QUARANTINE);
    expect(os.stats().committedBytes).toBe(64 * KiB);
    expect(os.stats().mappedBytes).toBe(192 * KiB);
  });

  it("fails with ENOMEM past the commit limit and changes nothing", () => {
    const os = createMockUnix({ commitLimit: 100 * KiB });
    const a = os.dzmmapAnywhere(64 * KiB, 4 * KiB, MmapStrategy.DEFAULT);
    os.write(a, new Uint8Array([1]));
    const before = { maps: os.getMappings(), committed: os.stats().committedBytes };
    expect(() => os.dzmmapAnywhere(64 * KiB, 4 * KiB, MmapStrategy.DEFAULT)).toThrow(
      expect.objectContaining({ code: "ENOMEM", syscall: "mmap" }),
    );
    expect(os.getMappings()).toEqual(before.maps);
    expect(os.stats().committedBytes).toBe(before.committed);
    expect(os.read(a, 1)[0]).toBe(1);
    expect(os.isMmapOom(captured(() => os.mremap(a, 64 * KiB, 128 * KiB, { mayMove: true })))).toBe(
      true,
    );
    // MAP_NORESERVE is not charged, so it still fits.
    expect(() =>
      os.dzmmapAnywhere(64 * KiB, 4 * KiB, MmapStrategy.DEFAULT.withReserve(false)),
    ).not.toThrow();
  });

  it("charges a quarantined range when mprotect makes it writable, and keeps the charge after", () => {
    const os = createMockUnix({ commitLimit: 64 * KiB });
    const q = os.dzmmapAnywhere(128 * KiB, 4 * KiB, MmapStrategy.QUARANTINE.withReserve(true));
    expect(os.stats().committedBytes).toBe(0);
    os.setMemoryAccess(q, 64 * KiB, MmapProtection.ReadWrite);
    expect(os.stats().committedBytes).toBe(64 * KiB);
    expect(() => os.setMemoryAccess(q + 64 * KiB, 4 * KiB, MmapProtection.ReadWrite)).toThrow(
      expect.objectContaining({ code: "ENOMEM" }),
    );
    // Written memory keeps its charge when made PROT_NONE (Linux uncharges only unwritten VMAs).
    os.write(q, new Uint8Array([1]));
    os.setMemoryAccess(q, 64 * KiB, MmapProtection.NoAccess);
    expect(os.stats().committedBytes).toBe(64 * KiB);
    os.munmap(q, 128 * KiB);
    expect(os.stats().committedBytes).toBe(0);
  });
});

describe("mock-unix uncharges like Linux 6.7+", () => {
  it("mprotect to PROT_NONE uncharges a range that was never written", () => {
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(64 * KiB, 4 * KiB, MmapStrategy.DEFAULT);
    expect(os.stats().committedBytes).toBe(64 * KiB);
    os.setMemoryAccess(a, 16 * KiB, MmapProtection.NoAccess);
    expect(os.stats().committedBytes).toBe(48 * KiB);
    os.setMemoryAccess(a, 16 * KiB, MmapProtection.ReadWrite);
    expect(os.stats().committedBytes).toBe(64 * KiB);
  });

  it("an unwritten part made PROT_NONE does not merge with a written part made PROT_NONE", () => {
    // Found by the differential test: VM_ACCOUNT differs, so Linux keeps two VMAs.
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(
      8 * KiB,
      4 * KiB,
      MmapStrategy.DEFAULT.withProt(MmapProtection.ReadWriteExec),
    );
    const b = os.dzmmapAnywhere(8 * KiB, 4 * KiB, MmapStrategy.DEFAULT);
    expect(b + 8 * KiB).toBe(a);
    os.write(b, new Uint8Array([1]));
    os.setMemoryAccess(b, 16 * KiB, MmapProtection.NoAccess);
    expect(os.getMappings().map((m) => [m.start - b, m.end - b])).toEqual([
      [0, 8 * KiB],
      [8 * KiB, 16 * KiB],
    ]);
    expect(os.stats().committedBytes).toBe(8 * KiB);
  });
});

function captured(body: () => unknown): unknown {
  try {
    body();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw");
}
