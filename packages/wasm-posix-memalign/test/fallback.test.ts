import { KiB, MiB } from "@osal/core";
import { describe, expect, it } from "vitest";
import { type AlignedAllocator, createWasmPosixMemalign, guestAllocator } from "../src/index.js";
import { allZero, dlmallocGuest, NONE, PAGE, RW, spy } from "./helpers.js";

/** wasi-libc's dlmalloc behind a filter that refuses some requests, as other allocators do. */
function refusing(refuse: (align: number, size: number) => boolean) {
  const guest = dlmallocGuest();
  const inner = spy(guestAllocator({ exports: guest, maximumBytes: 256 * MiB }));
  const asked: [number, number][] = [];
  const allocator: AlignedAllocator = {
    ...inner,
    alignedAlloc(align, size) {
      asked.push([align, size]);
      return refuse(align, size) ? 0 : inner.alignedAlloc(align, size);
    },
    free: (address) => inner.free(address),
  };
  return { os: createWasmPosixMemalign({ allocator }), inner, asked };
}

/** Emscripten's `aligned_alloc` (compat/aligned_alloc.c): NULL unless size is a multiple of align. */
const c11Rule = (align: number, size: number) => size % align !== 0;

describe("when the allocator refuses an alignment", () => {
  it("a large mapping falls back from the preferred 2 MiB to the page when the size is not a multiple", () => {
    const { os, inner, asked } = refusing(c11Rule);
    const size = 2 * MiB + PAGE;
    const start = os.dzmmapAnywhere(size, PAGE, RW);
    expect(asked).toEqual([
      [2 * MiB, size],
      [PAGE, size],
    ]);
    expect(start % PAGE).toBe(0);
    expect(allZero(os.read(start, size))).toBe(true);
    expect(os.getMappings()).toMatchObject([{ start, end: start + size }]);
    os.munmap(start, size);
    expect(inner.frees).toEqual([start]);
    expect(inner.live.size).toBe(0);
  });

  it("an alignment the caller needs is kept by rounding the size up; the slack is held, not mapped", () => {
    const { os, inner, asked } = refusing(c11Rule);
    const size = 2 * MiB + PAGE;
    const start = os.dzmmapAnywhere(size, 2 * MiB, RW);
    expect(asked).toEqual([
      [2 * MiB, size],
      [2 * MiB, 4 * MiB],
    ]);
    expect(start % (2 * MiB)).toBe(0);
    expect(os.stats().mappedBytes).toBe(size);
    expect(os.getMappings()).toMatchObject([{ start, end: start + size }]);
    // The slack after the mapping is unmapped: the access API refuses it.
    expect(() => os.read(start + size, 1)).toThrow(expect.objectContaining({ reason: "unmapped" }));
    os.fill(start, size, 0x77);
    os.munmap(start, PAGE);
    expect(inner.frees).toEqual([]);
    os.munmap(start + PAGE, size - PAGE);
    expect(inner.frees).toEqual([start]);
  });

  it("an allocator that refuses large alignments outright gets an over-allocation aligned inside", () => {
    const { os, inner, asked } = refusing((align) => align > 64 * KiB);
    const start = os.dzmmapAnywhere(MiB, MiB, NONE);
    expect(start % MiB).toBe(0);
    expect(asked[asked.length - 1]).toEqual([PAGE, 2 * MiB - PAGE]);
    const [block] = [...inner.live];
    expect(block).toBeLessThanOrEqual(start);
    expect(start + MiB).toBeLessThanOrEqual(block! + 2 * MiB - PAGE);
    expect(os.getMappings()).toMatchObject([{ start, end: start + MiB, prot: "NoAccess" }]);
    os.setMemoryAccess(start, MiB, "ReadWrite");
    expect(allZero(os.read(start, MiB))).toBe(true);
    // mremap moves it with the same fallbacks and frees the first block by its own address.
    const moved = os.mremap(start, MiB, 2 * MiB, { mayMove: true });
    expect(inner.frees).toEqual([block]);
    expect(allZero(os.read(moved, 2 * MiB))).toBe(true);
    os.munmap(moved, 2 * MiB);
    expect(inner.live.size).toBe(0);
  });

  it("fails with ENOMEM, changing nothing, when every fallback is refused", () => {
    const { os, inner } = refusing(() => true);
    const before = os.stats();
    expect(() => os.dzmmapAnywhere(3 * MiB, MiB, RW)).toThrow(
      expect.objectContaining({ code: "ENOMEM" }),
    );
    expect(os.getMappings()).toEqual([]);
    expect(os.stats().mappedBytes).toBe(before.mappedBytes);
    expect(inner.live.size).toBe(0);
  });
});

describe("MAP_FIXED_NOREPLACE over pages this backend holds", () => {
  it("maps held pages a partial munmap left, EEXIST over a mapping, ENOTSUP elsewhere", () => {
    const { os } = refusing(() => false);
    const start = os.dzmmapAnywhere(4 * PAGE, PAGE, RW);
    os.fill(start, 4 * PAGE, 0x31);
    os.munmap(start + PAGE, 2 * PAGE);
    const noReplace = RW.withReplace(false);
    os.dzmmap(start + PAGE, 2 * PAGE, noReplace);
    expect(allZero(os.read(start + PAGE, 2 * PAGE))).toBe(true);
    os.fill(start + PAGE, 2 * PAGE, 0x32);
    expect(() => os.dzmmap(start + PAGE, PAGE, noReplace)).toThrow(
      expect.objectContaining({ code: "EEXIST" }),
    );
    expect(os.read(start + PAGE, 2 * PAGE).every((byte) => byte === 0x32)).toBe(true);
    expect(() => os.dzmmap(start + 64 * MiB, PAGE, noReplace)).toThrow(
      expect.objectContaining({ code: "ENOTSUP" }),
    );
  });
});
