import { MmapProtection, MmapStrategy } from "@osal/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";
import { allEqual, filled, RW } from "./helpers.js";

/** MMTk's release of a chunk: QUARANTINE (NoAccess, no reserve) mapped over it with MAP_FIXED. */
const QUARANTINE = MmapStrategy.QUARANTINE.withReplace(true);
/** MAP_FIXED read-write, as MMTk maps a chunk over its quarantine. */
const FIXED_RW = MmapStrategy.DEFAULT.withReplace(true);

function manager() {
  return createWasmPageManager({ pageSize: 4096, maximumBytes: 16 * 1024 * 1024, growth: "exact" });
}

/** The memory's bytes, read past the access API (which refuses NoAccess pages). */
function raw(os: ReturnType<typeof manager>, address: number, length: number): Uint8Array {
  return new Uint8Array(os.memory.buffer).slice(address, address + length);
}

describe("lazy zeroing of NoAccess pages", () => {
  it("writes nothing when a dirty mapped range is quarantined", () => {
    const os = manager();
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(8 * p, p, RW);
    os.fill(a, 8 * p, 0xab);
    os.dzmmap(a, 8 * p, QUARANTINE);
    expect(os.stats().zeroedBytes).toBe(0);
    // The old bytes are still there: nothing was written.
    expect(allEqual(raw(os, a, 8 * p), 0xab)).toBe(true);
    expect(os.getMappings()).toMatchObject([{ start: a, end: a + 8 * p, prot: "NoAccess" }]);
  });

  it("zeroes a quarantined range exactly once when mprotect opens it", () => {
    const os = manager();
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(8 * p, p, RW);
    os.fill(a, 8 * p, 0xab);
    os.dzmmap(a + 2 * p, 4 * p, QUARANTINE);
    os.setMemoryAccess(a, 8 * p, MmapProtection.ReadWrite);
    expect(os.stats().zeroedBytes).toBe(4 * p);
    expect(allEqual(os.read(a, 2 * p), 0xab)).toBe(true);
    expect(allEqual(os.read(a + 2 * p, 4 * p), 0)).toBe(true);
    expect(allEqual(os.read(a + 6 * p, 2 * p), 0xab)).toBe(true);
    // Opening it again keeps what was written since: it is committed memory now.
    os.fill(a + 2 * p, 4 * p, 7);
    os.setMemoryAccess(a, 8 * p, MmapProtection.ReadWriteExec);
    expect(allEqual(os.read(a + 2 * p, 4 * p), 7)).toBe(true);
    expect(os.stats().zeroedBytes).toBe(4 * p);
  });

  it("zeroes a quarantined range once when a read-write mapping replaces it", () => {
    const os = manager();
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(4 * p, p, RW);
    os.fill(a, 4 * p, 1);
    os.dzmmap(a, 4 * p, QUARANTINE);
    os.dzmmap(a, 4 * p, FIXED_RW);
    expect(os.stats().zeroedBytes).toBe(4 * p);
    expect(allEqual(os.read(a, 4 * p), 0)).toBe(true);
  });

  it("zeroes once for quarantine, quarantine again, then open", () => {
    const os = manager();
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(4 * p, p, RW);
    os.fill(a, 4 * p, 3);
    os.dzmmap(a, 4 * p, QUARANTINE);
    os.dzmmap(a, 4 * p, QUARANTINE);
    os.madvise(a, 4 * p, "dontneed");
    expect(os.stats().zeroedBytes).toBe(0);
    os.setMemoryAccess(a, 4 * p, MmapProtection.ReadWrite);
    expect(os.stats().zeroedBytes).toBe(4 * p);
    expect(allEqual(os.read(a, 4 * p), 0)).toBe(true);
  });

  it("never hands out an unmapped pending page as zero", () => {
    const os = manager();
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(4 * p, p, RW);
    os.fill(a, 4 * p, 5);
    os.dzmmap(a, 4 * p, QUARANTINE);
    os.munmap(a, 4 * p);
    expect(os.pageStates()).toContainEqual({ start: a, end: a + 4 * p, state: "free-dirty" });
    expect(os.stats().zeroedBytes).toBe(0);
    const b = os.dzmmapAnywhere(4 * p, p, RW);
    expect(b).toBe(a);
    expect(allEqual(os.read(b, 4 * p), 0)).toBe(true);
    expect(os.stats().zeroedBytes).toBe(4 * p);
    // Mapped NoAccess again, then opened: also zero, also counted once.
    os.fill(b, 4 * p, 6);
    os.munmap(b, 4 * p);
    const c = os.dzmmapAnywhere(4 * p, p, MmapStrategy.QUARANTINE);
    expect(c).toBe(a);
    expect(os.stats().zeroedBytes).toBe(4 * p);
    os.setMemoryAccess(c, 4 * p, MmapProtection.ReadWrite);
    expect(allEqual(os.read(c, 4 * p), 0)).toBe(true);
    expect(os.stats().zeroedBytes).toBe(8 * p);
  });

  it("decommit (dontneed + NoAccess) then commit zeroes once; commit of committed memory keeps bytes", () => {
    const os = manager();
    const p = os.pageSize;
    const region = os.dzmmapAnywhere(8 * p, p, MmapStrategy.QUARANTINE);
    os.setMemoryAccess(region, 8 * p, MmapProtection.ReadWrite);
    expect(os.stats().zeroedBytes).toBe(0); // fresh pages: known zero
    os.fill(region, 8 * p, 9);
    // Decommit the tail, as CoreCLR does without MAP_FIXED.
    os.setMemoryAccess(region + 4 * p, 4 * p, MmapProtection.NoAccess);
    os.madvise(region + 4 * p, 4 * p, "dontneed");
    expect(os.stats().zeroedBytes).toBe(0);
    os.setMemoryAccess(region, 8 * p, MmapProtection.ReadWrite);
    expect(os.stats().zeroedBytes).toBe(4 * p);
    expect(allEqual(os.read(region, 4 * p), 9)).toBe(true);
    expect(allEqual(os.read(region + 4 * p, 4 * p), 0)).toBe(true);
    // madvise(dontneed) on accessible pages still zeroes at once.
    os.fill(region, p, 1);
    os.madvise(region, p, "dontneed");
    expect(os.stats().zeroedBytes).toBe(5 * p);
    expect(allEqual(os.read(region, p), 0)).toBe(true);
  });

  it("never zeroes fresh pages quarantined and mapped later, and unmaps them as zeroed", () => {
    const os = manager();
    const p = os.pageSize;
    const heap = os.dzmmapAnywhere(16 * p, p, MmapStrategy.QUARANTINE);
    os.dzmmap(heap, 4 * p, FIXED_RW);
    os.dzmmap(heap + 4 * p, 4 * p, QUARANTINE);
    os.setMemoryAccess(heap + 4 * p, 4 * p, MmapProtection.ReadWrite);
    expect(os.stats().zeroedBytes).toBe(0);
    expect(allEqual(os.read(heap, 8 * p), 0)).toBe(true);
    os.munmap(heap + 8 * p, 8 * p);
    const zeroed = os.pageStates().find((r) => r.start <= heap + 8 * p && r.end > heap + 8 * p);
    expect(zeroed?.state).toBe("free-zeroed");
    expect(zeroed?.end).toBeGreaterThanOrEqual(heap + 16 * p);
    const again = os.dzmmapAnywhere(8 * p, p, RW);
    expect(again).toBe(heap + 8 * p);
    expect(os.stats().zeroedBytes).toBe(0);
  });

  it("carries pending pages through a moving mremap without writing them", () => {
    const os = manager();
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(4 * p, p, RW);
    os.fill(a, 4 * p, 2);
    os.setMemoryAccess(a, 4 * p, MmapProtection.NoAccess);
    os.madvise(a + 2 * p, 2 * p, "dontneed"); // pages 2-3 pending, 0-1 keep their bytes
    const wall = os.dzmmapAnywhere(p, p, RW);
    os.fill(wall, p, 8);
    const dirty = os.dzmmapAnywhere(4 * p, p, RW); // leave dirty free pages behind the wall
    os.fill(dirty, 4 * p, 4);
    os.munmap(dirty, 4 * p);
    const moved = os.mremap(a, 4 * p, 6 * p, { mayMove: true });
    expect(moved).toBe(dirty);
    expect(os.stats().zeroedBytes).toBe(0);
    os.setMemoryAccess(moved, 6 * p, MmapProtection.ReadWrite);
    expect(allEqual(os.read(moved, 2 * p), 2)).toBe(true);
    expect(allEqual(os.read(moved + 2 * p, 4 * p), 0)).toBe(true);
    // Pages 2-3 landed on dirty pages (zeroed when opened), the new tail on fresh ones.
    expect(os.stats().zeroedBytes).toBe(2 * p);
    expect(allEqual(os.read(wall, p), 8)).toBe(true);
  });

  it("moves pending pages onto fresh pages as known zero", () => {
    const os = manager();
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(2 * p, p, RW);
    os.write(a, filled(2 * p, 3));
    os.dzmmap(a, 2 * p, QUARANTINE);
    os.dzmmapAnywhere(p, p, RW); // a wall: the mapping must move, onto fresh pages
    const moved = os.mremap(a, 2 * p, 3 * p, { mayMove: true });
    os.setMemoryAccess(moved, 3 * p, MmapProtection.ReadWrite);
    expect(allEqual(os.read(moved, 3 * p), 0)).toBe(true);
    expect(os.stats().zeroedBytes).toBe(0);
  });
});

type Op =
  | { kind: "map"; from: number; count: number; open: boolean }
  | { kind: "protect"; from: number; count: number; open: boolean }
  | { kind: "dontneed"; from: number; count: number }
  | { kind: "unmap"; from: number; count: number }
  | { kind: "fill"; from: number; count: number; value: number };

const PAGES = 12;
const range = { from: fc.nat(PAGES - 1), count: fc.integer({ min: 1, max: 4 }) };
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("map" as const), ...range, open: fc.boolean() }),
  fc.record({ kind: fc.constant("protect" as const), ...range, open: fc.boolean() }),
  fc.record({ kind: fc.constant("dontneed" as const), ...range }),
  fc.record({ kind: fc.constant("unmap" as const), ...range }),
  fc.record({
    kind: fc.constant("fill" as const),
    ...range,
    value: fc.integer({ min: 1, max: 255 }),
  }),
);

describe("lazy zeroing against a model", () => {
  it("opened pages read what Linux would give, and only calls that open pages write zeros", () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const os = manager();
        const p = os.pageSize;
        const base = os.dzmmapAnywhere(PAGES * p, p, RW);
        os.munmap(base, PAGES * p);
        // Per page: undefined = unmapped, else its contents and whether it is accessible.
        const model: ({ value: number; open: boolean } | undefined)[] = new Array(PAGES);
        for (const o of ops) {
          const count = Math.min(o.count, PAGES - o.from);
          const start = base + o.from * p;
          const pages = Array.from({ length: count }, (_, i) => o.from + i);
          const mapped = pages.every((i) => model[i] !== undefined);
          const before = os.stats().zeroedBytes;
          let mayZero = false;
          if (o.kind === "map") {
            os.dzmmap(start, count * p, o.open ? FIXED_RW : QUARANTINE);
            for (const i of pages) model[i] = { value: 0, open: o.open };
            mayZero = o.open;
          } else if (o.kind === "protect" && mapped) {
            const prot = o.open ? MmapProtection.ReadWrite : MmapProtection.NoAccess;
            os.setMemoryAccess(start, count * p, prot);
            for (const i of pages) model[i]!.open = o.open;
            mayZero = o.open;
          } else if (o.kind === "dontneed" && mapped) {
            os.madvise(start, count * p, "dontneed");
            mayZero = pages.some((i) => model[i]!.open);
            for (const i of pages) model[i]!.value = 0;
          } else if (o.kind === "unmap") {
            os.munmap(start, count * p);
            for (const i of pages) model[i] = undefined;
          } else if (o.kind === "fill" && mapped && pages.every((i) => model[i]!.open)) {
            os.fill(start, count * p, o.value);
            for (const i of pages) model[i]!.value = o.value;
          }
          const zeroed = os.stats().zeroedBytes - before;
          expect(zeroed).toBeLessThanOrEqual(mayZero ? count * p : 0);
          for (let i = 0; i < PAGES; i++) {
            const page = model[i];
            if (page?.open) expect(allEqual(os.read(base + i * p, p), page.value)).toBe(true);
          }
        }
        // Opening everything still mapped shows every page's contents.
        for (let i = 0; i < PAGES; i++) {
          const page = model[i];
          if (!page) continue;
          os.setMemoryAccess(base + i * p, p, MmapProtection.ReadWrite);
          expect(allEqual(os.read(base + i * p, p), page.value)).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });
});
