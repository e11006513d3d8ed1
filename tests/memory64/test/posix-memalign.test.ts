import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { runConformance } from "@osal/conformance";
import { MmapProtection, MmapStrategy } from "@osal/core";
import { createWasmPosixMemalign, guestAllocator } from "@osal/wasm-posix-memalign";
import { describe, expect, it } from "vitest";

/** The largest memory64 maximum V8 (Node 24) accepts: 262144 WebAssembly pages. */
const SIXTEEN_GIB = 16 * 2 ** 30;
const FOUR_GIB = 2 ** 32;

/** The freestanding wasm64 allocator (packages/guests/c/wasm64/allocator64.c). */
const module = new WebAssembly.Module(
  readFileSync(createRequire(import.meta.url).resolve("@osal/guests/wasm64/allocator64.wasm")),
);

/** A fresh instance of the wasm64 allocator: its own memory64 memory, 16 GiB maximum. */
function allocator64() {
  const exports = new WebAssembly.Instance(module).exports;
  return guestAllocator({ exports, maximumBytes: SIXTEEN_GIB });
}

/** wasm-posix-memalign over a fresh wasm64 allocator. */
function backend() {
  return createWasmPosixMemalign({ allocator: allocator64() });
}

runConformance(
  "wasm-posix-memalign on memory64 (wasm64 guest allocator, 16 GiB maximum)",
  backend,
  {
    highAddresses: true,
    // A fixed model volume, as the other memory64 runs (see conformance.test.ts).
    model: { runs: 100 },
  },
);

describe("wasm-posix-memalign over a wasm64 guest allocator", () => {
  const RW = MmapStrategy.DEFAULT;
  const HOLD = MmapStrategy.QUARANTINE.withProt(MmapProtection.NoAccess);

  it("takes i64 addresses as numbers: maps above 4 GiB, reads back, frees, and the guest reuses the memory", () => {
    const os = backend();
    const memory = os.allocator.memory;
    expect(os.addressSpaceEnd).toBe(SIXTEEN_GIB);
    expect(os.getSystemTotalMemory()).toBe(SIXTEEN_GIB);
    const p = os.pageSize;
    // 2 MiB (2 MiB-aligned), so it cannot fit in the alignment gap the filler leaves below it.
    const size = 2 * 2 ** 20;
    const filler = os.dzmmapAnywhere(FOUR_GIB, p, HOLD);
    const high = os.dzmmapAnywhere(size, p, RW);
    expect(Number.isSafeInteger(high) && high > FOUR_GIB).toBe(true);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(high + size);
    const bytes = Uint8Array.from({ length: 4 * p }, (_, i) => (i * 37 + 11) % 251);
    os.write(high, bytes);
    expect(os.read(high, 4 * p)).toEqual(bytes);
    // The bytes are in the guest's memory at that address: the allocator and the backend agree.
    expect(new Uint8Array(memory.buffer, high, 4 * p)).toEqual(bytes);
    os.munmap(high + p, p);
    expect(os.read(high + 2 * p, 2 * p)).toEqual(bytes.subarray(2 * p));
    const moved = os.mremap(high + 2 * p, 2 * p, 8 * p, { mayMove: true });
    expect(moved).not.toBe(high + 2 * p);
    expect(os.read(moved, 2 * p)).toEqual(bytes.subarray(2 * p));
    expect(os.read(moved + 2 * p, 6 * p).every((b) => b === 0)).toBe(true);
    os.munmap(high, size);
    os.munmap(moved, 8 * p);
    os.munmap(filler, FOUR_GIB);
    expect(os.getMappings()).toEqual([]);
    // Everything went back to the guest: the same 4 GiB block is handed out again, no growth.
    const grown = memory.buffer.byteLength;
    expect(os.dzmmapAnywhere(FOUR_GIB, p, HOLD)).toBe(filler);
    expect(memory.buffer.byteLength).toBe(grown);
    console.log(
      `wasm-posix-memalign on the wasm64 allocator: mapped at 0x${high.toString(16)}, moved to 0x${moved.toString(16)}, memory grown to ${grown} bytes`,
    );
  }, 60_000);

  it("is ENOMEM, changing nothing, when the guest cannot grow to the request", () => {
    const os = backend();
    const held = os.dzmmapAnywhere(15 * 2 ** 30, os.pageSize, HOLD);
    expect(held).toBeGreaterThan(0);
    const mappings = os.getMappings();
    const size = os.allocator.memory.buffer.byteLength;
    expect(() => os.dzmmapAnywhere(2 * 2 ** 30, os.pageSize, RW)).toThrow(
      expect.objectContaining({ code: "ENOMEM" }),
    );
    expect(os.getMappings()).toEqual(mappings);
    expect(os.allocator.memory.buffer.byteLength).toBe(size);
    // The heap is intact: what fits is still served, above the 15 GiB held (2 MiB-aligned).
    expect(os.dzmmapAnywhere(2 * 2 ** 20, os.pageSize, RW)).toBeGreaterThan(
      held + 15 * 2 ** 30 - 1,
    );
  }, 60_000);
});
