import { KiB, MemoryFault, MiB, MmapAnnotation, MmapError, MmapProtection } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPosixMemalign, SharedMemoryError } from "../src/index.js";
import { bundledAllocator, FIXED, NONE, PAGE, RW, smallBackend } from "./helpers.js";
import { wasm } from "./wasm.js";

describe("wasm-posix-memalign basics", () => {
  it("declares what it does", () => {
    const os = smallBackend();
    expect(os.pageSize).toBe(16 * KiB);
    expect(os.capabilities).toEqual({
      fixed: false,
      noReplace: false,
      partialUnmap: true,
      remapInPlace: false,
      enforcesProtection: false,
      reservesWithoutCommit: false,
      returnsMemoryToHost: false,
      threadSafe: false,
      uninitialized: false,
      remapAcrossMappings: false,
      remapDontUnmap: false,
      remapFixed: false,
      setAnnotation: true,
    });
    expect(os.addressSpaceEnd).toBe(64 * MiB);
    expect(os.getSystemTotalMemory()).toBe(64 * MiB);
    expect(createWasmPosixMemalign().addressSpaceEnd).toBe(4 * 1024 * MiB);
  });

  it("aligns anywhere mappings, 2 MiB for 2 MiB and more", () => {
    const os = smallBackend();
    const small = os.dzmmapAnywhere(3 * PAGE, 1, RW);
    expect(small % PAGE).toBe(0);
    const aligned = os.dzmmapAnywhere(PAGE, 256 * KiB, RW);
    expect(aligned % (256 * KiB)).toBe(0);
    const chunk = os.dzmmapAnywhere(2 * MiB, PAGE, RW);
    expect(chunk % (2 * MiB)).toBe(0);
    const huge = os.dzmmapAnywhere(5 * MiB, PAGE, RW);
    expect(huge % (2 * MiB)).toBe(0);
    const noLarge = createWasmPosixMemalign({ maximumBytes: 64 * MiB, largeAlignment: PAGE });
    noLarge.dzmmapAnywhere(PAGE, 1, RW);
    expect(noLarge.dzmmapAnywhere(2 * MiB, 1, RW) % (2 * MiB)).not.toBe(0);
  });

  it("maps zeroed, readable memory and lists it with its annotation", () => {
    const os = smallBackend();
    const heap = MmapAnnotation.space("immix");
    const start = os.dzmmapAnywhere(4 * PAGE, PAGE, RW, heap);
    expect(os.read(start, 4 * PAGE).every((byte) => byte === 0)).toBe(true);
    os.write(start + 10, new Uint8Array([1, 2, 3]));
    expect([...os.read(start + 10, 3)]).toEqual([1, 2, 3]);
    os.fill(start, 5, 9);
    expect([...os.read(start, 6)]).toEqual([9, 9, 9, 9, 9, 0]);
    expect(os.getMappings()).toEqual([
      {
        start,
        end: start + 4 * PAGE,
        prot: "ReadWrite",
        reserve: true,
        hugePage: "No",
        annotation: heap,
      },
    ]);
    expect(os.getProcessMemoryMaps()).toContain("rw-p 00000000 00:00 0");
    expect(os.getProcessMemoryMaps()).toContain("[anon:space:immix]");
    expect(os.stats().mappedBytes).toBe(4 * PAGE);
    expect(os.stats().footprintBytes).toBe(os.allocator.memory.buffer.byteLength);
    expect(os.getProcessId()).toBe(process.pid);
  });

  it("takes memory for a NoAccess, no-reserve reservation and refuses access to it", () => {
    const os = smallBackend();
    const before = os.allocator.memory.buffer.byteLength;
    const start = os.dzmmapAnywhere(8 * MiB, PAGE, NONE);
    expect(os.allocator.memory.buffer.byteLength).toBeGreaterThanOrEqual(before + 8 * MiB);
    expect(os.stats().mappedBytes).toBe(8 * MiB);
    expect(() => os.read(start, 1)).toThrow(MemoryFault);
    try {
      os.write(start + PAGE, new Uint8Array(1));
    } catch (error) {
      expect(error).toBeInstanceOf(MemoryFault);
      expect((error as MemoryFault).reason).toBe("protection");
      expect((error as MemoryFault).faultAddress).toBe(start + PAGE);
    }
    expect(() => os.read(start + 8 * MiB, 1)).toThrow(MemoryFault);
    os.setMemoryAccess(start, PAGE, MmapProtection.ReadWrite);
    expect(os.read(start, PAGE).every((byte) => byte === 0)).toBe(true);
    expect(() => os.read(start + PAGE - 1, 2)).toThrow(MemoryFault);
  });

  it("refuses MAP_FIXED_NOREPLACE over a mapping (EEXIST) and fixed maps outside held memory (ENOTSUP)", () => {
    const os = smallBackend();
    const start = os.dzmmapAnywhere(2 * PAGE, PAGE, RW);
    os.fill(start, 2 * PAGE, 7);
    const mappings = os.getMappings();
    expect(() => os.dzmmap(start, PAGE, RW)).toThrow(expect.objectContaining({ code: "EEXIST" }));
    for (const attempt of [
      () => os.dzmmap(start + 2 * PAGE, PAGE, RW),
      () => os.dzmmap(start + 2 * PAGE, PAGE, FIXED),
      () => os.dzmmap(start + PAGE, 2 * PAGE, FIXED),
      () => os.dzmmap(32 * MiB, PAGE, FIXED),
    ]) {
      expect(attempt).toThrow(expect.objectContaining({ code: "ENOTSUP" }));
    }
    expect(os.getMappings()).toEqual(mappings);
    expect(os.read(start, 2 * PAGE).every((byte) => byte === 7)).toBe(true);
  });

  it("re-maps a range it holds exactly, zeroing it, with MAP_FIXED", () => {
    const os = smallBackend();
    const start = os.dzmmapAnywhere(4 * PAGE, PAGE, RW);
    os.fill(start, 4 * PAGE, 0xaa);
    os.dzmmap(start + PAGE, 2 * PAGE, FIXED.withProt("ReadWriteExec"), MmapAnnotation.misc("jit"));
    expect(os.read(start, PAGE).every((byte) => byte === 0xaa)).toBe(true);
    expect(os.read(start + PAGE, 2 * PAGE).every((byte) => byte === 0)).toBe(true);
    expect(os.read(start + 3 * PAGE, PAGE).every((byte) => byte === 0xaa)).toBe(true);
    expect(os.getMappings().map((m) => [m.start - start, m.end - start, m.prot])).toEqual([
      [0, PAGE, "ReadWrite"],
      [PAGE, 3 * PAGE, "ReadWriteExec"],
      [3 * PAGE, 4 * PAGE, "ReadWrite"],
    ]);
    expect(os.stats().zeroedBytes).toBe(2 * PAGE);
  });

  it("grows without mayMove: ENOMEM, mapping intact; shrinks and moves", () => {
    const os = smallBackend();
    const start = os.dzmmapAnywhere(2 * PAGE, PAGE, RW);
    os.fill(start, 2 * PAGE, 5);
    expect(() => os.mremap(start, 2 * PAGE, 4 * PAGE)).toThrow(
      expect.objectContaining({ code: "ENOMEM" }),
    );
    expect(os.read(start, 2 * PAGE).every((byte) => byte === 5)).toBe(true);
    expect(os.mremap(start, 2 * PAGE, PAGE)).toBe(start);
    expect(() => os.read(start + PAGE, 1)).toThrow(MemoryFault);
    const moved = os.mremap(start, PAGE, 3 * PAGE, { mayMove: true });
    expect(moved).not.toBe(start);
    expect(os.read(moved, PAGE).every((byte) => byte === 5)).toBe(true);
    expect(os.read(moved + PAGE, 2 * PAGE).every((byte) => byte === 0)).toBe(true);
    expect(() => os.read(start, 1)).toThrow(MemoryFault);
    expect(os.stats().mappedBytes).toBe(3 * PAGE);
    expect(() => os.mremap(start, PAGE, 2 * PAGE, { mayMove: true })).toThrow(
      expect.objectContaining({ code: "EFAULT" }),
    );
  });

  it("validates arguments before changing anything", () => {
    const os = smallBackend();
    const start = os.dzmmapAnywhere(PAGE, PAGE, RW);
    for (const attempt of [
      () => os.dzmmapAnywhere(PAGE + 1, PAGE, RW),
      () => os.dzmmapAnywhere(PAGE, 3, RW),
      () => os.dzmmapAnywhere(0, PAGE, RW),
      () => os.munmap(start + 1, PAGE),
      () => os.setMemoryAccess(start, PAGE, "rw" as MmapProtection),
      () => os.madvise(start, PAGE, "free" as "dontneed"),
    ]) {
      expect(attempt).toThrow(MmapError);
    }
    expect(() => os.setMemoryAccess(start, 2 * PAGE, "NoAccess")).toThrow(
      expect.objectContaining({ code: "ENOMEM" }),
    );
    expect(os.getMappings()).toHaveLength(1);
    expect(os.getMappings()[0]!.prot).toBe("ReadWrite");
    expect(() => os.panicIfUnmapped(start + PAGE, PAGE)).toThrow(
      expect.objectContaining({ code: "EFAULT" }),
    );
    os.panicIfUnmapped(start, PAGE);
  });

  it("refuses a shared memory with SharedMemoryError, and bad options with EINVAL", () => {
    const shared = new wasm.Memory({ initial: 1, maximum: 10, shared: true });
    const inner = bundledAllocator({ maximumBytes: 64 * 65536 });
    expect(() => createWasmPosixMemalign({ allocator: { ...inner, memory: shared } })).toThrow(
      SharedMemoryError,
    );
    expect(() => createWasmPosixMemalign({ pageSize: 3000 })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    expect(() => createWasmPosixMemalign({ maximumBytes: 1000 })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    expect(() => createWasmPosixMemalign({ allocator: inner, maximumBytes: 65536 })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
  });

  it("records madvise huge page hints and accepts the other hints", () => {
    const os = smallBackend();
    const start = os.dzmmapAnywhere(2 * PAGE, PAGE, RW);
    os.madvise(start, PAGE, "hugepage");
    os.madvise(start, 2 * PAGE, "willneed");
    expect(os.getMappings().map((m) => m.hugePage)).toEqual(["TransparentHugePages", "No"]);
  });
});
