import { KiB, MiB, MmapProtection } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPosixMemalign, guestAllocator, SharedMemoryError } from "../src/index.js";
import {
  allZero,
  bundledModuleAsGuest,
  dlmallocGuest,
  guestBackend,
  NONE,
  PAGE,
  RW,
} from "./helpers.js";
import { wasm } from "./wasm.js";

describe("a guest's allocator", () => {
  it("works on the bundled module's exports used as a guest's", () => {
    const guest = bundledModuleAsGuest();
    const os = guestBackend(guest.exports, guest.memory);
    expect(os.allocator.pristineUntilHandedOut).toBe(false);
    expect(os.addressSpaceEnd).toBe(64 * MiB);
    const start = os.dzmmapAnywhere(4 * PAGE, PAGE, RW);
    expect(allZero(os.read(start, 4 * PAGE))).toBe(true);
    os.fill(start, 4 * PAGE, 6);
    os.munmap(start + PAGE, PAGE);
    os.munmap(start, 4 * PAGE);
    const again = os.dzmmapAnywhere(4 * PAGE, PAGE, RW);
    expect(again).toBe(start);
    expect(allZero(os.read(again, 4 * PAGE))).toBe(true);
    expect(os.stats().zeroedBytes).toBe(4 * PAGE);
    expect(os.stats().footprintBytes).toBe(guest.memory.buffer.byteLength);
  });

  it("on wasi-libc's dlmalloc: only memory grown during the call goes unzeroed", () => {
    const guest = dlmallocGuest();
    const os = guestBackend(guest);
    const sizeBefore = guest.memory.buffer.byteLength;
    const start = os.dzmmapAnywhere(MiB, 64 * KiB, RW);
    const zeroed = os.stats().zeroedBytes;
    expect(zeroed).toBe(Math.max(0, Math.min(start + MiB, sizeBefore) - start));
    expect(allZero(os.read(start, MiB))).toBe(true);
    os.fill(start, MiB, 0xaa);
    os.munmap(start, MiB);
    const reserved = os.dzmmapAnywhere(MiB, 64 * KiB, NONE);
    os.setMemoryAccess(reserved, MiB, MmapProtection.ReadWrite);
    expect(allZero(os.read(reserved, MiB))).toBe(true);
  });

  it("refuses shared memories and guests without the exports", () => {
    const shared = new wasm.Memory({ initial: 1, maximum: 4, shared: true });
    const exports = { aligned_alloc: () => 0, free: () => {}, memory: shared };
    expect(() => guestAllocator({ exports })).toThrow(SharedMemoryError);
    expect(() => guestAllocator({ exports: { memory: shared } })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    const memory = new wasm.Memory({ initial: 1, maximum: 4 });
    expect(() => guestAllocator({ exports: { aligned_alloc: () => 0, free: () => {} } })).toThrow(
      expect.objectContaining({ code: "EINVAL" }),
    );
    expect(() =>
      createWasmPosixMemalign({
        allocator: guestAllocator({
          exports: { aligned_alloc: () => 0, free: () => {} },
          memory,
          maximumBytes: 4 * 65536,
        }),
      }).dzmmapAnywhere(PAGE, PAGE, RW),
    ).toThrow(expect.objectContaining({ code: "ENOMEM" }));
  });
});
