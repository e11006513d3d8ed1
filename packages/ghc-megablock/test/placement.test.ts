import { hasErrorCode, KiB, MiB, MmapAnnotation, MmapStrategy, parseProcMaps } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createGhcMegablock } from "../src/index.js";
import { wasmMemory } from "./helpers.js";

const S = MmapStrategy.DEFAULT;

describe("fresh megablocks", () => {
  it("are aligned to the megablock size even when the memory size is not", () => {
    const memory = wasmMemory(3); // 192 KiB: not a megablock multiple
    const os = createGhcMegablock({ memory });
    const a = os.getMBlocks(1);
    expect(a).toBe(MiB);
    expect(memory.buffer.byteLength).toBe(2 * MiB);
    const b = os.getMBlocks(2);
    expect(b).toBe(2 * MiB);
    expect(b % MiB).toBe(0);
  });

  it("never hand out the alignment gap or memory someone else grew", () => {
    const memory = wasmMemory(3);
    const os = createGhcMegablock({ memory });
    const first = os.getMBlocks(1); // [1 MiB, 2 MiB)
    memory.grow(5); // another allocator takes [2 MiB, 2 MiB + 320 KiB)
    const second = os.getMBlocks(1);
    expect(second).toBe(3 * MiB); // next boundary above the foreign pages
    os.freeMBlocks(first, 1);
    os.freeMBlocks(second, 1);
    // Reuse only ever returns this backend's megablocks.
    const reused = [os.getMBlocks(1), os.getMBlocks(1)].sort((x, y) => x - y);
    expect(reused).toEqual([MiB, 3 * MiB]);
    const third = os.getMBlocks(1);
    expect(third).toBe(4 * MiB);
    for (const mapping of os.getMappings()) {
      expect(mapping.start).toBeGreaterThanOrEqual(MiB);
      expect(mapping.start >= 2 * MiB && mapping.start < 3 * MiB).toBe(false);
    }
    const foreign = parseProcMaps(os.getProcessMemoryMaps()).filter((l) => l.name === "[heap]");
    expect(foreign.map((l) => [l.start, l.end])).toEqual([
      [0, MiB],
      [2 * MiB, 3 * MiB],
    ]);
  });

  it("never start at address 0", () => {
    const os = createGhcMegablock({ megablockSize: 64 * KiB });
    expect(os.getMBlocks(1)).toBe(64 * KiB);
  });

  it("honour larger alignments, keeping the skipped megablocks for reuse", () => {
    const os = createGhcMegablock();
    const a = os.dzmmapAnywhere(MiB, 4 * MiB, S);
    expect(a).toBe(4 * MiB);
    const grownTo = os.memory.buffer.byteLength;
    const b = os.getMBlocks(3); // fits in the skipped [1 MiB, 4 MiB)
    expect(b).toBe(MiB);
    expect(os.memory.buffer.byteLength).toBe(grownTo);
    expect(os.stats().zeroedBytes).toBe(0);
  });
});

describe("the free list", () => {
  it("serves requests before growing, and coalesces neighbours", () => {
    const os = createGhcMegablock();
    const a = os.getMBlocks(1);
    const b = os.getMBlocks(1);
    const c = os.getMBlocks(1);
    const guard = os.getMBlocks(1);
    const size = os.memory.buffer.byteLength;
    os.freeMBlocks(a, 1);
    os.freeMBlocks(c, 1);
    os.freeMBlocks(b, 1); // joins a and c into one run of 3
    const run = os.getMBlocks(3);
    expect(run).toBe(a);
    expect(os.memory.buffer.byteLength).toBe(size);
    expect(guard).toBe(a + 3 * MiB);
  });

  it("uses address-ordered first fit", () => {
    const os = createGhcMegablock();
    const blocks = Array.from({ length: 6 }, () => os.getMBlocks(1));
    os.freeMBlocks(blocks[0]!, 1); // run of 1
    os.freeMBlocks(blocks[2]!, 2); // run of 2 at blocks[2]
    os.freeMBlocks(blocks[5]!, 1); // run of 1 at the top
    expect(os.getMBlocks(1)).toBe(blocks[0]);
    expect(os.getMBlocks(1)).toBe(blocks[2]);
    expect(os.getMBlocks(1)).toBe(blocks[3]);
    expect(os.getMBlocks(1)).toBe(blocks[5]);
  });

  it("extends the highest free run by growing only what is missing", () => {
    const os = createGhcMegablock();
    const low = os.getMBlocks(1);
    const top = os.getMBlocks(2);
    os.freeMBlocks(top, 2);
    const big = os.getMBlocks(5);
    expect(big).toBe(top);
    expect(os.memory.buffer.byteLength).toBe(low + 6 * MiB);
  });

  it("splits mappings at megablock granularity (partial munmap)", () => {
    const os = createGhcMegablock();
    const a = os.dzmmapAnywhere(4 * MiB, MiB, S, MmapAnnotation.space("immix"));
    os.munmap(a + MiB, 2 * MiB);
    expect(os.getMappings().map((m) => [m.start - a, m.end - a])).toEqual([
      [0, MiB],
      [3 * MiB, 4 * MiB],
    ]);
    expect(os.stats().mappedBytes).toBe(2 * MiB);
    expect(os.getMBlocks(2)).toBe(a + MiB);
  });

  it("skips unmapped megablocks in munmap", () => {
    const os = createGhcMegablock();
    const a = os.getMBlocks(1);
    os.munmap(a, MiB);
    expect(() => os.munmap(a, 10 * MiB)).not.toThrow();
    expect(os.getMappings()).toEqual([]);
  });
});

describe("zeroing", () => {
  it("never memsets fresh megablocks and zeroes reused ones, counted exactly", () => {
    const os = createGhcMegablock();
    const a = os.getMBlocks(2);
    expect(os.stats().zeroedBytes).toBe(0);
    os.fill(a, 2 * MiB, 0xab);
    os.freeMBlocks(a, 2);
    const b = os.getMBlocks(3); // two reused (dirty) + one fresh
    expect(b).toBe(a);
    expect(os.stats().zeroedBytes).toBe(2 * MiB);
    expect(os.read(b, 3 * MiB).every((byte) => byte === 0)).toBe(true);
  });

  it("does not zero megablocks that were skipped for alignment (never handed out)", () => {
    const os = createGhcMegablock();
    os.dzmmapAnywhere(MiB, 8 * MiB, S);
    os.getMBlocks(7);
    expect(os.stats().zeroedBytes).toBe(0);
  });

  it("madvise dontneed zeroes the range and counts it", () => {
    const os = createGhcMegablock({ megablockSize: 64 * KiB });
    const a = os.getMBlocks(4);
    os.fill(a, 4 * 64 * KiB, 7);
    os.madvise(a + 64 * KiB, 2 * 64 * KiB, "dontneed");
    expect(os.stats().zeroedBytes).toBe(2 * 64 * KiB);
    expect(os.read(a, 1)[0]).toBe(7);
    expect(os.read(a + 64 * KiB, 2 * 64 * KiB).every((byte) => byte === 0)).toBe(true);
    expect(os.read(a + 3 * 64 * KiB, 1)[0]).toBe(7);
    os.madvise(a, 64 * KiB, "willneed");
    expect(os.stats().zeroedBytes).toBe(2 * 64 * KiB);
  });
});

describe("running out of memory", () => {
  it("fails with ENOMEM past the maximum and changes nothing", () => {
    const os = createGhcMegablock({ maximumBytes: 4 * MiB });
    const a = os.getMBlocks(2);
    os.fill(a, MiB, 9);
    const before = { maps: os.getMappings(), size: os.memory.buffer.byteLength };
    let error: unknown;
    try {
      os.getMBlocks(2);
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, "ENOMEM")).toBe(true);
    expect(os.isMmapOom(error)).toBe(true);
    expect(os.getMappings()).toEqual(before.maps);
    expect(os.memory.buffer.byteLength).toBe(before.size);
    expect(os.read(a, 1)[0]).toBe(9);
    expect(os.getMBlocks(1)).toBe(3 * MiB);
    expect(os.getSystemTotalMemory()).toBe(4 * MiB);
    expect(os.stats().failedCalls.mmap).toBe(1);
  });
});
