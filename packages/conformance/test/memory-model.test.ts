import { MmapAnnotation, MmapProtection } from "@osal/core";
import { describe, expect, it } from "vitest";
import { MemoryModel } from "../src/index.js";

const P = 4096;
const RW = { prot: MmapProtection.ReadWrite, reserve: true, annotation: undefined };

function model(): MemoryModel {
  return new MemoryModel(P, 2 ** 32);
}

describe("MemoryModel", () => {
  it("a new mapping is listed once, reads as zero and counts its bytes", () => {
    const m = model();
    m.map(0x10000, 3 * P, RW);
    expect(m.layout()).toEqual(["0x10000-0x13000 ReadWrite reserve=true -"]);
    expect(m.mappedBytes).toBe(3 * P);
    expect(m.read(0x10000, 3 * P).every((b) => b === 0)).toBe(true);
    expect(m.regions).toEqual([{ start: 0x10000, size: 3 * P }]);
    expect(m.known).toEqual([{ start: 0x10000, size: 3 * P }]);
  });

  it("writes cross page boundaries and read back", () => {
    const m = model();
    m.map(0x10000, 2 * P, RW);
    m.write(0x10000 + P - 2, new Uint8Array([1, 2, 3, 4]));
    expect(Array.from(m.read(0x10000 + P - 3, 6))).toEqual([0, 1, 2, 3, 4, 0]);
  });

  it("unmapping the middle splits the region and the listing, keeping both ends' bytes", () => {
    const m = model();
    m.map(0x10000, 4 * P, RW);
    m.write(0x10000, new Uint8Array([9]));
    m.write(0x10000 + 3 * P, new Uint8Array([8]));
    m.unmap(0x10000 + P, 2 * P);
    expect(m.layout()).toEqual([
      "0x10000-0x11000 ReadWrite reserve=true -",
      "0x13000-0x14000 ReadWrite reserve=true -",
    ]);
    expect(m.regions).toEqual([
      { start: 0x10000, size: P },
      { start: 0x13000, size: P },
    ]);
    expect(m.read(0x10000, 1)[0]).toBe(9);
    expect(m.read(0x13000, 1)[0]).toBe(8);
    expect(m.isFree(0x11000, 2 * P)).toBe(true);
    expect(m.isMapped(0x10000, 2 * P)).toBe(false);
  });

  it("a fixed mapping over part of a region replaces it with zeros and new attributes", () => {
    const m = model();
    m.map(0x10000, 3 * P, RW);
    m.write(0x11000, new Uint8Array([7]));
    m.map(0x11000, P, { ...RW, prot: MmapProtection.ReadWriteExec });
    expect(m.read(0x11000, 1)[0]).toBe(0);
    expect(m.layout()).toEqual([
      "0x10000-0x11000 ReadWrite reserve=true -",
      "0x11000-0x12000 ReadWriteExec reserve=true -",
      "0x12000-0x13000 ReadWrite reserve=true -",
    ]);
    expect(m.regions.map((r) => r.start).sort()).toEqual([0x10000, 0x11000, 0x12000]);
  });

  it("protect splits the listing; one mapping means uniform attributes", () => {
    const m = model();
    m.map(0x10000, 3 * P, RW);
    expect(m.isOneMapping(0x10000, 3 * P)).toBe(true);
    m.protect(0x11000, P, MmapProtection.NoAccess);
    expect(m.isOneMapping(0x10000, 3 * P)).toBe(false);
    expect(m.isOneMapping(0x10000, P)).toBe(true);
    expect(m.layout()).toHaveLength(3);
    expect(m.accessFault(0x10ffe, 4)).toEqual({ faultAddress: 0x11000, reason: "protection" });
    expect(m.accessFault(0x12ffe, 4)).toEqual({ faultAddress: 0x13000, reason: "unmapped" });
    expect(m.accessFault(0x10000, 16)).toBeUndefined();
    expect(m.accessFault(0x20000, 0)).toBeUndefined();
  });

  it("dontneed zeroes bytes and keeps attributes", () => {
    const m = model();
    m.map(0x10000, 2 * P, { ...RW, annotation: "misc:x" });
    m.write(0x10000, new Uint8Array([1, 2]));
    m.dontneed(0x10000, P);
    expect(Array.from(m.read(0x10000, 2))).toEqual([0, 0]);
    expect(m.layout()).toEqual(["0x10000-0x12000 ReadWrite reserve=true misc:x"]);
  });

  it("remap moves bytes and attributes, zero-fills growth and frees the old range", () => {
    const m = model();
    m.map(0x10000, 2 * P, { ...RW, prot: MmapProtection.ReadWriteExec, annotation: "space:a" });
    m.write(0x10000 + 2 * P - 1, new Uint8Array([5]));
    m.remap(0x10000, 2 * P, 0x40000, 3 * P);
    expect(m.isFree(0x10000, 2 * P)).toBe(true);
    expect(m.layout()).toEqual(["0x40000-0x43000 ReadWriteExec reserve=true space:a"]);
    expect(Array.from(m.read(0x40000 + 2 * P - 1, 2))).toEqual([5, 0]);
    expect(m.regions).toEqual([{ start: 0x40000, size: 3 * P }]);
    expect(m.known.at(-1)).toEqual({ start: 0x40000, size: 3 * P });
  });

  it("remap in place can shrink, dropping the tail", () => {
    const m = model();
    m.map(0x10000, 3 * P, RW);
    m.write(0x10000, new Uint8Array([3]));
    m.remap(0x10000, 3 * P, 0x10000, P);
    expect(m.mappedBytes).toBe(P);
    expect(m.read(0x10000, 1)[0]).toBe(3);
  });

  it("isFree is false past the end of the address space", () => {
    const m = new MemoryModel(P, 0x20000);
    expect(m.isFree(0x1f000, P)).toBe(true);
    expect(m.isFree(0x1f000, 2 * P)).toBe(false);
  });

  it("layoutOf merges adjacent identical mappings the way layout does", () => {
    const mapping = (start: number, end: number, prot: MmapProtection) => ({
      start,
      end,
      prot,
      reserve: true,
      hugePage: "No" as const,
      annotation: MmapAnnotation.misc("a"),
    });
    expect(
      MemoryModel.layoutOf([
        mapping(0x1000, 0x2000, MmapProtection.ReadWrite),
        mapping(0x2000, 0x4000, MmapProtection.ReadWrite),
        mapping(0x4000, 0x5000, MmapProtection.NoAccess),
      ]),
    ).toEqual([
      "0x1000-0x4000 ReadWrite reserve=true misc:a",
      "0x4000-0x5000 NoAccess reserve=true misc:a",
    ]);
  });
});

describe("MemoryModel.adopt", () => {
  it("takes in an existing mapping with its bytes without making it a target", () => {
    const m = model();
    const bytes = new Uint8Array(2 * P);
    bytes[P + 1] = 6;
    m.adopt(
      {
        start: 0x10000,
        end: 0x10000 + 2 * P,
        prot: MmapProtection.ReadWrite,
        reserve: true,
        hugePage: "No",
        annotation: undefined,
      },
      bytes,
    );
    expect(m.mappedBytes).toBe(2 * P);
    expect(m.read(0x10000 + P, 2)[1]).toBe(6);
    expect(m.page(0x10000)?.bytes).toBeUndefined();
    expect(m.regions).toEqual([]);
    expect(m.known).toEqual([]);
  });
});
