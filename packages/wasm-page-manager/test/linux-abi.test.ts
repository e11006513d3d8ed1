import { hasErrorCode, MmapProtection, MmapStrategy, parseProcMaps } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";
import { allEqual, FakeSbrk, FIXED, filled, newMemory, RW, WASM_PAGE } from "./helpers.js";

const P = 4096;
const QUARANTINE = MmapStrategy.QUARANTINE;

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("issue 15 R5: large-mapping alignment is a preference, hints are honoured", () => {
  it("falls back to an unaligned place when no 2 MiB aligned room is left", () => {
    const os = createWasmPageManager({ maximumBytes: 8 << 20 });
    os.dzmmap(0, 0x210000, FIXED);
    os.dzmmap(0x600000, 0x10000, FIXED);
    // 62 free pages at 0x210000, none of them 2 MiB aligned with room for 2 MiB + 64 KiB.
    expect(os.dzmmapAnywhere(0x210000, 0x10000, RW)).toBe(0x210000);
  });

  it("uses a free hint whatever its alignment, and a fallback when the hint is taken", () => {
    const os = createWasmPageManager({ maximumBytes: 8 << 20 });
    os.dzmmap(0, 0x210000, FIXED);
    os.dzmmap(0x600000, 0x10000, FIXED);
    expect(os.dzmmapPreferred(0x220000, 0x210000, 0x10000, RW)).toBe(0x220000);
    const empty = createWasmPageManager({ maximumBytes: 8 << 20 });
    expect(empty.dzmmapPreferred(0x210000, 0x210000, 0x10000, RW)).toBe(0x210000);
  });

  it("a moving mremap falls back to an unaligned place too", () => {
    const os = createWasmPageManager({ maximumBytes: 8 << 20 });
    os.dzmmap(0, 0x210000, FIXED);
    os.dzmmap(0x600000, 0x10000, FIXED);
    const a = os.dzmmapAnywhere(0x10000, 0x10000, RW);
    os.write(a, filled(0x10000, 9));
    os.dzmmap(a + 0x10000, 0x10000, FIXED.withProt(MmapProtection.NoAccess));
    const moved = os.mremap(a, 0x10000, 0x200000, { mayMove: true });
    expect(allEqual(os.read(moved, 0x10000), 9)).toBe(true);
    expect(allEqual(os.read(moved + 0x10000, 0x1f0000), 0)).toBe(true);
  });
});

describe("issue 15 R7: heap pages a listing saw are ours again once the guest gives them back", () => {
  it("the mapping at the break grows in place after the guest's negative sbrk", () => {
    const memory = newMemory(1, 256);
    const guest = new FakeSbrk(memory, 8192);
    const os = createWasmPageManager({ memory, pageSize: P, source: guest, growth: "exact" });
    const a = os.dzmmapAnywhere(2 * P, P, RW);
    os.write(a, filled(2 * P, 3));
    guest.sbrk(4 * P); // the guest's heap right after the mapping
    os.getProcessMemoryMaps(); // a listing sees it as [heap]
    guest.sbrk(-4 * P); // and the guest gives it back
    expect(os.mremap(a, 2 * P, 6 * P)).toBe(a);
    expect(allEqual(os.read(a, 2 * P), 3)).toBe(true);
    expect(allEqual(os.read(a + 2 * P, 4 * P), 0)).toBe(true);
    expect(guest.brk).toBe(a + 6 * P);
    const heap = parseProcMaps(os.getProcessMemoryMaps()).filter((l) => l.name === "[heap]");
    expect(heap.every((l) => l.end <= a)).toBe(true);
  });

  it("pages the guest still holds stay external", () => {
    const memory = newMemory(1, 256);
    const guest = new FakeSbrk(memory, 8192);
    const os = createWasmPageManager({ memory, pageSize: P, source: guest, growth: "exact" });
    const a = os.dzmmapAnywhere(2 * P, P, RW);
    guest.sbrk(4 * P);
    os.getProcessMemoryMaps();
    expect(
      hasErrorCode(
        thrown(() => os.mremap(a, 2 * P, 6 * P)),
        "ENOMEM",
      ),
    ).toBe(true);
    expect(os.getMappings()).toEqual([expect.objectContaining({ start: a, end: a + 2 * P })]);
  });
});

describe("MAP_UNINITIALIZED and the lazy-zeroing marks", () => {
  it("an uninitialized NoAccess mapping over dirty pages is not zeroed when opened", () => {
    const os = createWasmPageManager({ pageSize: P, maximumBytes: 1 << 24 });
    const a = os.dzmmapAnywhere(4 * P, P, RW);
    os.write(a, filled(4 * P, 7));
    os.munmap(a, 4 * P);
    const zeroedBefore = os.stats().zeroedBytes;
    const b = os.dzmmapAnywhere(4 * P, P, QUARANTINE.withUninitialized(true));
    expect(b).toBe(a);
    os.setMemoryAccess(b, 4 * P, MmapProtection.ReadWrite);
    expect(os.stats().zeroedBytes).toBe(zeroedBefore);
    expect(os.stats().uninitializedBytes).toBe(4 * P);
    expect(allEqual(os.read(b, 4 * P), 7)).toBe(true);
  });

  it("fresh pages handed out uninitialized are zero anyway and not counted", () => {
    const os = createWasmPageManager({ pageSize: P, maximumBytes: 1 << 24 });
    const a = os.dzmmapAnywhere(4 * P, P, RW.withUninitialized(true));
    expect(allEqual(os.read(a, 4 * P), 0)).toBe(true);
    expect(os.stats().uninitializedBytes).toBe(0);
  });
});

describe("mremap flags and the zero marks", () => {
  it("dontUnmap of a NoAccess mapping writes nothing; the old range reads zero when opened", () => {
    const os = createWasmPageManager({ pageSize: P, maximumBytes: 1 << 24 });
    const a = os.dzmmapAnywhere(2 * P, P, RW);
    os.write(a, filled(2 * P, 5));
    os.setMemoryAccess(a, 2 * P, MmapProtection.NoAccess);
    const zeroed = os.stats().zeroedBytes;
    const b = os.mremap(a, 2 * P, 2 * P, { mayMove: true, dontUnmap: true });
    expect(os.stats().zeroedBytes).toBe(zeroed);
    os.setMemoryAccess(a, 2 * P, MmapProtection.ReadWrite);
    os.setMemoryAccess(b, 2 * P, MmapProtection.ReadWrite);
    expect(allEqual(os.read(a, 2 * P), 0)).toBe(true);
    expect(allEqual(os.read(b, 2 * P), 5)).toBe(true);
  });

  it("a newAddress move past the address space (EINVAL) or over memory it does not own (ENOTSUP) changes nothing", () => {
    const os = createWasmPageManager({ maximumBytes: 8 * WASM_PAGE, growth: "exact" });
    const a = os.dzmmapAnywhere(2 * WASM_PAGE, WASM_PAGE, RW);
    os.write(a, filled(2 * WASM_PAGE, 4));
    const maps = os.getMappings();
    const footprint = os.stats().footprintBytes;
    const error = thrown(() =>
      os.mremap(a, 2 * WASM_PAGE, 2 * WASM_PAGE, { mayMove: true, newAddress: 8 * WASM_PAGE }),
    );
    expect(hasErrorCode(error, "EINVAL")).toBe(true); // past the address space
    const dest = 5 * WASM_PAGE;
    os.memory.grow(3); // someone else's memory at the destination
    expect(
      hasErrorCode(
        thrown(() =>
          os.mremap(a, 2 * WASM_PAGE, 2 * WASM_PAGE, { mayMove: true, newAddress: dest }),
        ),
        "ENOTSUP",
      ),
    ).toBe(true);
    expect(os.getMappings()).toEqual(maps);
    expect(os.stats().footprintBytes).toBe(footprint + 3 * WASM_PAGE);
    expect(allEqual(os.read(a, 2 * WASM_PAGE), 4)).toBe(true);
  });

  it("mremap errors name mremap", () => {
    const os = createWasmPageManager({ maximumBytes: 8 * WASM_PAGE });
    const a = os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    os.dzmmap(a + WASM_PAGE, WASM_PAGE, FIXED.withProt(MmapProtection.NoAccess));
    const error = thrown(() => os.mremap(a, WASM_PAGE, 6 * WASM_PAGE, { mayMove: true }));
    expect(error).toMatchObject({ code: "ENOMEM", syscall: "mremap" });
  });
});
