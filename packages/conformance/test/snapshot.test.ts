import { type MappingInfo, MmapAnnotation, MmapProtection, type OSMemory } from "@osal/core";
import { describe, expect, it } from "vitest";
import { diffSnapshots, snapshotMemory } from "../src/index.js";

/** Just enough of an OSMemory for snapshotMemory: a listing and a byte store. */
function stubMemory(mappings: MappingInfo[], memory: Uint8Array): OSMemory {
  const stub: Pick<OSMemory, "getMappings" | "read"> = {
    getMappings: () => mappings,
    read: (address, length) => memory.slice(address, address + length),
  };
  return stub as OSMemory;
}

function mapping(
  start: number,
  end: number,
  prot: MmapProtection = MmapProtection.ReadWrite,
): MappingInfo {
  return { start, end, prot, reserve: true, hugePage: "No", annotation: MmapAnnotation.misc("m") };
}

describe("snapshotMemory", () => {
  it("copies the bytes of accessible mappings and skips NoAccess ones", () => {
    const memory = new Uint8Array(64).map((_, i) => i);
    const snap = snapshotMemory(
      stubMemory([mapping(0, 16), mapping(16, 32, MmapProtection.NoAccess)], memory),
    );
    expect(snap.mappings).toHaveLength(2);
    expect(Array.from(snap.mappings[0]?.bytes ?? [])).toEqual(Array.from(memory.subarray(0, 16)));
    expect(snap.mappings[0]!.annotation).toBe("misc:m");
    expect(snap.mappings[1]!.bytes).toBeUndefined();
  });

  it("is a copy: later writes do not change it", () => {
    const memory = new Uint8Array(16);
    const os = stubMemory([mapping(0, 16)], memory);
    const before = snapshotMemory(os);
    memory[3] = 1;
    expect(before.mappings[0]?.bytes?.[3]).toBe(0);
  });

  it("refuses to copy more than maxBytes", () => {
    const os = stubMemory([mapping(0, 32)], new Uint8Array(32));
    expect(() => snapshotMemory(os, { maxBytes: 16 })).toThrow(RangeError);
  });
});

describe("diffSnapshots", () => {
  it("is empty for two snapshots of unchanged memory", () => {
    const os = stubMemory([mapping(0, 16)], new Uint8Array(16).fill(4));
    expect(diffSnapshots(snapshotMemory(os), snapshotMemory(os))).toEqual([]);
  });

  it("names the first changed byte", () => {
    const memory = new Uint8Array(32);
    const os = stubMemory([mapping(16, 32)], memory);
    const before = snapshotMemory(os);
    memory[20] = 0xaa;
    expect(diffSnapshots(before, snapshotMemory(os))).toEqual([
      "mapping 0x10-0x20 bytes differ from 0x14: was 0x0, now 0xaa",
    ]);
  });

  it("reports mappings that appeared, disappeared or changed attributes", () => {
    const memory = new Uint8Array(64);
    const before = snapshotMemory(stubMemory([mapping(0, 16), mapping(16, 32)], memory));
    const after = snapshotMemory(
      stubMemory([mapping(0, 16, MmapProtection.NoAccess), mapping(32, 48)], memory),
    );
    const diff = diffSnapshots(before, after);
    expect(diff).toHaveLength(4);
    expect(diff[0]).toMatch(/^mapping 0x0-0x10 changed from ReadWrite .* to NoAccess/);
    expect(diff[1]).toMatch(/^mapping 0x0-0x10 bytes differ from 0x0: was 0x0, now unreadable/);
    expect(diff[2]).toMatch(/^mapping 0x10-0x20 .* is gone$/);
    expect(diff[3]).toMatch(/^mapping 0x20-0x30 .* appeared$/);
  });
});
