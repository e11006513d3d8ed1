import { KiB, MiB, MmapProtection } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPosixMemalign } from "../src/index.js";
import {
  allZero,
  dlmallocGuest,
  FIXED,
  guestBackend,
  NONE,
  PAGE,
  RW,
  smallBackend,
} from "./helpers.js";

describe("zeroing", () => {
  it("CoreCLR review case: committing memory that is already committed keeps its bytes", () => {
    const os = smallBackend();
    const reserved = os.dzmmapAnywhere(8 * PAGE, PAGE, RW);
    os.write(reserved + PAGE, new Uint8Array([0x11, 0x22, 0x33]));
    os.fill(reserved + 4 * PAGE, PAGE, 0x44);
    const zeroed = os.stats().zeroedBytes;
    // Commit again (VirtualAlloc(MEM_COMMIT) on committed pages = mprotect read-write).
    os.setMemoryAccess(reserved, 8 * PAGE, MmapProtection.ReadWrite);
    expect([...os.read(reserved + PAGE, 3)]).toEqual([0x11, 0x22, 0x33]);
    expect(os.read(reserved + 4 * PAGE, PAGE).every((byte) => byte === 0x44)).toBe(true);
    expect(os.stats().zeroedBytes).toBe(zeroed);
  });

  it("decommit (MAP_FIXED NoAccess) zeroes lazily: once, when committed again", () => {
    const os = smallBackend();
    const start = os.dzmmapAnywhere(8 * PAGE, PAGE, RW);
    os.fill(start, 8 * PAGE, 0x5a);
    const zeroed = os.stats().zeroedBytes;
    os.dzmmap(start + 2 * PAGE, 3 * PAGE, FIXED.withProt("NoAccess"));
    expect(os.stats().zeroedBytes).toBe(zeroed);
    expect(() => os.read(start + 2 * PAGE, 1)).toThrow();
    os.setMemoryAccess(start + 2 * PAGE, 3 * PAGE, MmapProtection.ReadWrite);
    expect(os.stats().zeroedBytes).toBe(zeroed + 3 * PAGE);
    expect(allZero(os.read(start + 2 * PAGE, 3 * PAGE))).toBe(true);
    expect(os.read(start, 2 * PAGE).every((byte) => byte === 0x5a)).toBe(true);
    expect(os.read(start + 5 * PAGE, 3 * PAGE).every((byte) => byte === 0x5a)).toBe(true);
    os.setMemoryAccess(start + 2 * PAGE, 3 * PAGE, MmapProtection.ReadWrite);
    expect(os.stats().zeroedBytes).toBe(zeroed + 3 * PAGE);
  });

  it("madvise dontneed zeroes accessible pages at once and NoAccess pages when reopened", () => {
    const os = smallBackend();
    const start = os.dzmmapAnywhere(4 * PAGE, PAGE, RW);
    os.fill(start, 4 * PAGE, 1);
    os.madvise(start, PAGE, "dontneed");
    expect(os.stats().zeroedBytes).toBe(PAGE);
    expect(allZero(os.read(start, PAGE))).toBe(true);
    os.setMemoryAccess(start + PAGE, 2 * PAGE, MmapProtection.NoAccess);
    os.madvise(start + PAGE, 2 * PAGE, "dontneed");
    os.madvise(start + PAGE, 2 * PAGE, "dontneed");
    expect(os.stats().zeroedBytes).toBe(PAGE);
    os.setMemoryAccess(start + PAGE, PAGE, MmapProtection.ReadWriteExec);
    expect(os.stats().zeroedBytes).toBe(2 * PAGE);
    expect(allZero(os.read(start + PAGE, PAGE))).toBe(true);
    os.munmap(start + 2 * PAGE, PAGE);
    expect(os.stats().zeroedBytes).toBe(2 * PAGE);
    expect(os.read(start + 3 * PAGE, PAGE).every((byte) => byte === 1)).toBe(true);
  });

  it("first-time memory is never zeroed; recycled memory is zeroed exactly", () => {
    const os = smallBackend();
    const first = os.dzmmapAnywhere(4 * PAGE, PAGE, RW);
    const chunk = os.dzmmapAnywhere(2 * MiB, PAGE, NONE);
    os.setMemoryAccess(chunk, 2 * MiB, MmapProtection.ReadWrite);
    expect(os.stats().zeroedBytes).toBe(0);
    os.fill(first, 4 * PAGE, 0xee);
    os.munmap(first, 4 * PAGE);
    // First fit puts the next block on the 4 recycled pages plus 2 never-used ones.
    const again = os.dzmmapAnywhere(6 * PAGE, PAGE, RW);
    expect(again).toBe(first);
    expect(os.stats().zeroedBytes).toBe(4 * PAGE);
    expect(allZero(os.read(again, 6 * PAGE))).toBe(true);
    // A recycled NoAccess mapping defers its zeroing until it is opened.
    os.fill(again, 6 * PAGE, 0xdd);
    os.munmap(again, 6 * PAGE);
    const reserved = os.dzmmapAnywhere(6 * PAGE, PAGE, NONE);
    expect(reserved).toBe(first);
    expect(os.stats().zeroedBytes).toBe(4 * PAGE);
    os.setMemoryAccess(reserved + PAGE, 2 * PAGE, MmapProtection.ReadWrite);
    expect(os.stats().zeroedBytes).toBe(6 * PAGE);
    expect(allZero(os.read(reserved + PAGE, 2 * PAGE))).toBe(true);
  });

  it("with trustFreshMemory false every block is zeroed", () => {
    const os = createWasmPosixMemalign({ maximumBytes: 16 * MiB, trustFreshMemory: false });
    os.dzmmapAnywhere(3 * PAGE, PAGE, RW);
    expect(os.stats().zeroedBytes).toBe(3 * PAGE);
  });

  it("recycling: dirty memory freed and mapped again reads as zero on every map", () => {
    const os = smallBackend(64 * MiB);
    const live: { start: number; size: number }[] = [];
    let seed = 7;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (let round = 0; round < 300; round++) {
      if (live.length > 0 && random(2) === 0) {
        const [victim] = live.splice(random(live.length), 1);
        const cut = random(2) === 0 ? PAGE : 0;
        if (cut > 0 && victim!.size > PAGE) {
          os.munmap(victim!.start + victim!.size - cut, cut);
          os.munmap(victim!.start, victim!.size - cut);
        } else {
          os.munmap(victim!.start, victim!.size);
        }
        continue;
      }
      const size = (1 + random(12)) * PAGE * (random(8) === 0 ? 16 : 1);
      const prot = random(4) === 0 ? NONE : RW;
      const start = os.dzmmapAnywhere(size, PAGE, prot);
      if (prot === NONE) os.setMemoryAccess(start, size, MmapProtection.ReadWrite);
      expect(allZero(os.read(start, size))).toBe(true);
      os.fill(start, size, 0xff);
      if (random(4) === 0) {
        os.madvise(start, PAGE, "dontneed");
        expect(allZero(os.read(start, PAGE))).toBe(true);
        os.fill(start, PAGE, 0xfe);
      }
      live.push({ start, size });
    }
    const stats = os.stats();
    expect(stats.zeroedBytes).toBeGreaterThan(0);
    expect(stats.mappedBytes).toBe(live.reduce((sum, block) => sum + block.size, 0));
  });

  it("on a guest's dlmalloc, memory the guest itself dirtied is zeroed too", () => {
    const guest = dlmallocGuest();
    const os = guestBackend(guest);
    for (let round = 0; round < 40; round++) {
      guest.guest_scribble((1 + (round % 5)) * 100 * KiB, 0xab);
      const size = (1 + (round % 7)) * PAGE;
      const start = os.dzmmapAnywhere(size, PAGE, round % 3 === 0 ? NONE : RW);
      if (round % 3 === 0) os.setMemoryAccess(start, size, MmapProtection.ReadWrite);
      expect(allZero(os.read(start, size))).toBe(true);
      os.fill(start, size, 0xcd);
      guest.guest_scribble(size, 0x77);
      if (round % 2 === 0) os.munmap(start, size);
    }
  });
});
