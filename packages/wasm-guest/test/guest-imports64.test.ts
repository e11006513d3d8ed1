import { Errno, MmapProtection } from "@osal/core";
import { createMockUnix } from "@osal/mock-unix";
import { describe, expect, it } from "vitest";
import {
  createGuestImports,
  createGuestImports64,
  deferGuestImports64,
  MAP,
  MREMAP,
  type OsalImports64,
  PROT,
} from "../src/index.js";
import { freshPageManager } from "./support/backends.js";

const RW = PROT.READ | PROT.WRITE;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;
const FOUR_GIB = 2n ** 32n;
const EINVAL = BigInt(-Errno.EINVAL);

/** A simulated 47-bit process (4 KiB pages) behind the wasm64 imports: addresses past 4 GiB exist. */
function setup(): { os: ReturnType<typeof createMockUnix>; osal: OsalImports64 } {
  const os = createMockUnix();
  return { os, osal: createGuestImports64(os) };
}

describe("wasm64 osal imports (i64 addresses and lengths as BigInt)", () => {
  it("map, write, partially unmap, remap in place and moving above 4 GiB, results as BigInt", () => {
    const { os, osal } = setup();
    const p = 4096n;
    const at = 5n * FOUR_GIB;
    expect(osal.mmap(at, 4n * p, RW, ANON | MAP.FIXED_NOREPLACE, -1, 0n)).toBe(at);
    const start = Number(at);
    os.write(start, new Uint8Array(4 * 4096).fill(9));
    expect(osal.munmap(at + p, p)).toBe(0);
    expect(os.getMappings().map((m) => [m.start, m.end])).toEqual([
      [start, start + 4096],
      [start + 2 * 4096, start + 4 * 4096],
    ]);
    // In place: the tail grows into the free page after it.
    expect(osal.mremap(at + 2n * p, 2n * p, 3n * p, 0, 0n)).toBe(at + 2n * p);
    expect(os.read(start + 2 * 4096, 2 * 4096).every((b) => b === 9)).toBe(true);
    // Moving, to a fixed address far above.
    const target = 9n * FOUR_GIB;
    expect(osal.mremap(at, p, 2n * p, MREMAP.MAYMOVE | MREMAP.FIXED, target)).toBe(target);
    expect(os.read(Number(target), 4096).every((b) => b === 9)).toBe(true);
    expect(os.read(Number(target) + 4096, 4096).every((b) => b === 0)).toBe(true);
    expect(osal.mprotect(target, 2n * p, PROT.NONE)).toBe(0);
    expect(os.getMappings().find((m) => m.start === Number(target))?.prot).toBe(
      MmapProtection.NoAccess,
    );
    expect(osal.madvise(target, 2n * p, 4)).toBe(0);
    expect(osal.page_size()).toBe(4096);
  });

  it("keeps a mapping above 4 GiB where the wasm32 imports must undo it (ENOMEM)", () => {
    const os = createMockUnix();
    const wasm32 = createGuestImports(os);
    const wasm64 = createGuestImports64(os);
    // The mock places anywhere-mappings high in its 47-bit space.
    const high = wasm64.mmap(0n, 4096n, RW, ANON, -1, 0n);
    expect(high > FOUR_GIB).toBe(true);
    expect(os.getMappings().map((m) => m.start)).toEqual([Number(high)]);
    expect(wasm32.mmap(0, 4096, RW, ANON, -1, 0n)).toBe(-Errno.ENOMEM);
    expect(os.getMappings()).toHaveLength(1);
  });

  it("errors are -errno in the result's width: BigInt for mmap/mremap, number for the rest", () => {
    const { os, osal } = setup();
    expect(osal.mmap(0n, 0n, RW, ANON, -1, 0n)).toBe(EINVAL);
    expect(osal.mremap(4097n, 4096n, 8192n, 0, 0n)).toBe(EINVAL);
    expect(osal.munmap(4097n, 4096n)).toBe(-Errno.EINVAL);
    expect(osal.mprotect(1n, 4096n, RW)).toBe(-Errno.EINVAL);
    expect(os.getMappings()).toEqual([]);
  });

  it("refuses a number where wasm64 passes a BigInt, and i64 values of 2^53 or more: EINVAL, nothing mapped", () => {
    const { os, osal } = setup();
    const loose = osal as unknown as Record<string, (...args: unknown[]) => unknown>;
    expect(loose.mmap?.(0, 4096, RW, ANON, -1, 0n)).toBe(EINVAL);
    expect(loose.munmap?.(4096, 4096n)).toBe(-Errno.EINVAL);
    expect(loose.mprotect?.(4096n, 4096n, 1n)).toBe(-Errno.EINVAL);
    expect(osal.mmap(2n ** 53n, 4096n, RW, ANON | MAP.FIXED, -1, 0n)).toBe(EINVAL);
    expect(osal.mmap(0n, 2n ** 60n, RW, ANON, -1, 0n)).toBe(EINVAL);
    // A negative i64 (wasm passes i64 signed) is read unsigned: far past 2^53.
    expect(osal.munmap(-4096n, 4096n)).toBe(-Errno.EINVAL);
    expect(os.getMappings()).toEqual([]);
  });

  it("deferred: a call before bind traps, then the imports act on the bound backend", () => {
    const { os, memory } = freshPageManager();
    const deferred = deferGuestImports64();
    expect(() => deferred.imports.mmap(0n, 4096n, RW, ANON, -1, 0n)).toThrow(/before bind/);
    deferred.bind(os, { memory });
    const address = deferred.imports.mmap(0n, 4096n, RW, ANON, -1, 0n);
    expect(typeof address).toBe("bigint");
    expect(address > 0n).toBe(true);
    expect(os.getMappings().some((m) => m.start === Number(address))).toBe(true);
    expect(() => deferred.bind(os)).toThrow(/already/);
  });
});
