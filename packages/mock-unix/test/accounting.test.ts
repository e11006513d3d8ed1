import { KiB, MmapProtection, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createMockUnix } from "../src/index.js";

describe("mock-unix commit accounting", () => {
  it("charges reserved writable mappings and not MAP_NORESERVE or PROT_NONE ones", () => {
    const os = createMockUnix();
    os.dzmmapAnywhere(64 * KiB, 4 * KiB, MmapStrategy.DEFAULT);
    os.dzmmapAnywhere(64 * KiB, 4 * KiB, MmapStrategy.RAW_MEMORY_FREELIST);
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
      os.dzmmapAnywhere(64 * KiB, 4 * KiB, MmapStrategy.RAW_MEMORY_FREELIST),
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
    os.setMemoryAccess(q, 64 * KiB, MmapProtection.NoAccess);
    expect(os.stats().committedBytes).toBe(64 * KiB);
    os.munmap(q, 128 * KiB);
    expect(os.stats().committedBytes).toBe(0);
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
