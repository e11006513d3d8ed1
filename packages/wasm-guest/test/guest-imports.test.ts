import { Errno, MmapProtection, type OSMemory } from "@osal/core";
import { createMockUnix } from "@osal/mock-unix";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  createGuestImports,
  deferGuestImports,
  MADV,
  MAP,
  MAX_RESULT_ADDRESS,
  MREMAP,
  type OsalImports,
  PROT,
} from "../src/index.js";
import { freshPageManager } from "./support/backends.js";

const KiB = 1024;
const page = 64 * KiB;
const RW = PROT.READ | PROT.WRITE;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;

function setup(): { os: OSMemory; memory: WebAssembly.Memory; osal: OsalImports } {
  const { os, memory } = freshPageManager();
  return { os, memory, osal: createGuestImports(os, { memory }) };
}

function bytes(memory: WebAssembly.Memory, address: number, length: number): Uint8Array {
  return new Uint8Array(memory.buffer, address, length);
}

const u = (result: number) => result >>> 0;

describe("mmap", () => {
  it("maps zeroed, page-aligned memory anywhere and rounds the length up to a page", () => {
    const { os, memory, osal } = setup();
    const address = u(osal.mmap(0, 1, RW, ANON, -1, 0n));
    expect(address % page).toBe(0);
    expect(bytes(memory, address, page).every((b) => b === 0)).toBe(true);
    expect(os.getMappings().find((m) => m.start === address)?.end).toBe(address + page);
    bytes(memory, address, page).fill(7);
    expect(osal.munmap(address, 1)).toBe(0);
    expect(os.getMappings().some((m) => m.start === address)).toBe(false);
  });

  it("returns -errno with Linux numbers for what it cannot do, changing nothing", () => {
    const { os, osal } = setup();
    const before = os.getMappings();
    const cases: [number, number, number, number, bigint, number][] = [
      [0, RW, ANON, -1, 0n, Errno.EINVAL], // length 0
      [page, PROT.READ, ANON, -1, 0n, Errno.ENOTSUP], // read-only has no osal protection
      [page, PROT.READ | PROT.EXEC, ANON, -1, 0n, Errno.ENOTSUP],
      [page, 0x8, ANON, -1, 0n, Errno.EINVAL], // unknown PROT bit
      [page, RW, MAP.ANONYMOUS, -1, 0n, Errno.EINVAL], // neither private nor shared
      [page, RW, MAP.PRIVATE, 3, 0n, Errno.ENODEV], // file-backed
      [page, RW, MAP.PRIVATE, -1, 0n, Errno.EBADF], // file-backed without a file
      [page, RW, ANON, -1, 100n, Errno.EINVAL], // unaligned offset
      [page, RW, ANON | MAP.HUGETLB, -1, 0n, Errno.ENOTSUP],
      [page, RW, ANON | MAP.GROWSDOWN, -1, 0n, Errno.ENOTSUP],
      [page, RW, ANON | 0x40, -1, 0n, Errno.EINVAL], // unknown flag
      [page, RW, ANON | MAP.HUGETLB | MAP.UNINITIALIZED, -1, 0n, Errno.ENOTSUP], // a MAP_HUGE_* size
      [page, RW, ANON | 0x8000000, -1, 0n, Errno.EINVAL], // a MAP_HUGE_* bit without MAP_HUGETLB
    ];
    for (const [len, prot, flags, fd, off, errno] of cases) {
      expect(osal.mmap(0, len, prot, flags, fd, off), JSON.stringify([len, prot, flags, fd])).toBe(
        -errno,
      );
    }
    expect(os.getMappings()).toEqual(before);
  });

  it("accepts flags with no observable effect on wasm memory and honours MAP_NORESERVE and PROT_NONE", () => {
    const { os, osal } = setup();
    const a = u(osal.mmap(0, page, RW, ANON | MAP.POPULATE | MAP.STACK | MAP.LOCKED, -1, 0n));
    expect(a % page).toBe(0);
    const b = u(osal.mmap(0, page, PROT.NONE, ANON | MAP.NORESERVE, -1, 0n));
    const mapping = os.getMappings().find((m) => m.start === b);
    expect(mapping?.prot).toBe(MmapProtection.NoAccess);
    expect(mapping?.reserve).toBe(false);
    const c = u(osal.mmap(0, page, PROT.WRITE | PROT.EXEC, ANON, -1, 0n));
    expect(os.getMappings().find((m) => m.start === c)?.prot).toBe(MmapProtection.ReadWriteExec);
  });

  it("MAP_FIXED replaces, MAP_FIXED_NOREPLACE fails with EEXIST, both need an aligned address above 64 KiB", () => {
    const { memory, osal } = setup();
    const a = u(osal.mmap(0, 2 * page, RW, ANON, -1, 0n));
    bytes(memory, a, 2 * page).fill(9);
    expect(osal.mmap(a, page, RW, ANON | MAP.FIXED_NOREPLACE, -1, 0n)).toBe(-Errno.EEXIST);
    expect(bytes(memory, a, page).every((b) => b === 9)).toBe(true);
    expect(u(osal.mmap(a + page, page, RW, ANON | MAP.FIXED, -1, 0n))).toBe(a + page);
    expect(bytes(memory, a + page, page).every((b) => b === 0)).toBe(true);
    expect(bytes(memory, a, page).every((b) => b === 9)).toBe(true);
    expect(osal.mmap(a + 4096, page, RW, ANON | MAP.FIXED, -1, 0n)).toBe(-Errno.EINVAL);
    expect(osal.mmap(0, page, RW, ANON | MAP.FIXED, -1, 0n)).toBe(-Errno.EPERM);
  });

  it("uses a free hint address and ignores a taken one", () => {
    const { memory, osal } = setup();
    const a = u(osal.mmap(0, page, RW, ANON, -1, 0n));
    bytes(memory, a, page).fill(5);
    const elsewhere = u(osal.mmap(a, page, RW, ANON, -1, 0n));
    expect(elsewhere).not.toBe(a);
    expect(bytes(memory, a, page).every((b) => b === 5)).toBe(true);
    const hint = elsewhere + 16 * page;
    expect(u(osal.mmap(hint + 123, page, RW, ANON, -1, 0n))).toBe(hint);
  });

  it("gives addresses above 2 GiB as negative i32 outside [-4095, -1], and reads i32 arguments unsigned", () => {
    const { memory, osal } = setup();
    const high = 0x9000_0000;
    const result = osal.mmap(high | 0, page, RW, ANON | MAP.FIXED_NOREPLACE, -1, 0n);
    expect(result).toBeLessThan(-4095);
    expect(u(result)).toBe(high);
    bytes(memory, high, 4).set([1, 2, 3, 4]);
    expect(osal.madvise(high | 0, page, MADV.DONTNEED)).toBe(0);
    expect([...bytes(memory, high, 4)]).toEqual([0, 0, 0, 0]);
    expect(osal.munmap(high | 0, page)).toBe(0);
  });
});

describe("munmap", () => {
  it("unmaps any page-aligned part of a mapping; bad arguments are EINVAL", () => {
    const { os, memory, osal } = setup();
    const a = u(osal.mmap(0, 3 * page, RW, ANON, -1, 0n));
    bytes(memory, a, 3 * page).fill(3);
    expect(osal.munmap(a + page, page)).toBe(0);
    const starts = os.getMappings().map((m) => [m.start, m.end]);
    expect(starts).toContainEqual([a, a + page]);
    expect(starts).toContainEqual([a + 2 * page, a + 3 * page]);
    expect(bytes(memory, a + 2 * page, page).every((b) => b === 3)).toBe(true);
    expect(osal.munmap(a + 1, page)).toBe(-Errno.EINVAL);
    expect(osal.munmap(a, 0)).toBe(-Errno.EINVAL);
  });
});

describe("mremap", () => {
  it("grows in place without MREMAP_MAYMOVE, keeping the bytes, and fails with ENOMEM when blocked", () => {
    const { memory, osal } = setup();
    const a = u(osal.mmap(0, page, RW, ANON, -1, 0n));
    bytes(memory, a, page).fill(4);
    expect(u(osal.mremap(a, page, 2 * page, 0, 0))).toBe(a);
    expect(bytes(memory, a, page).every((b) => b === 4)).toBe(true);
    expect(bytes(memory, a + page, page).every((b) => b === 0)).toBe(true);
    expect(u(osal.mmap(a + 2 * page, page, RW, ANON | MAP.FIXED_NOREPLACE, -1, 0n))).toBe(
      a + 2 * page,
    );
    expect(osal.mremap(a, 2 * page, 3 * page, 0, 0)).toBe(-Errno.ENOMEM);
    expect(bytes(memory, a, page).every((b) => b === 4)).toBe(true);
    const moved = u(osal.mremap(a, 2 * page, 3 * page, MREMAP.MAYMOVE, 0));
    expect(moved).not.toBe(a);
    expect(bytes(memory, moved, page).every((b) => b === 4)).toBe(true);
    expect(u(osal.mremap(moved, 3 * page, 1, 0, 0))).toBe(moved);
  });

  it("rejects what it cannot do", () => {
    const { osal } = setup();
    const a = u(osal.mmap(0, page, RW, ANON, -1, 0n));
    expect(osal.mremap(a, page, 2 * page, MREMAP.FIXED, a + 8 * page)).toBe(-Errno.EINVAL);
    expect(osal.mremap(a, page, page, MREMAP.DONTUNMAP, 0)).toBe(-Errno.EINVAL);
    expect(osal.mremap(a, page, 2 * page, 0x10, 0)).toBe(-Errno.EINVAL);
    expect(osal.mremap(a, 0, page, MREMAP.MAYMOVE, 0)).toBe(-Errno.EINVAL);
    expect(osal.mremap(a, page, 0, 0, 0)).toBe(-Errno.EINVAL);
    expect(osal.mremap(a + 4096, page, 2 * page, 0, 0)).toBe(-Errno.EINVAL);
    expect(u(osal.mremap(a, page, page - 1, 0, 0))).toBe(a);
    expect(osal.mremap(a + 32 * page, page, page, 0, 0)).toBe(-Errno.EFAULT);
  });
});

describe("mremap with MREMAP_FIXED", () => {
  it("moves the bytes and attributes to the address given, replacing what was there", () => {
    const { os, memory, osal } = setup();
    const a = u(osal.mmap(0, 2 * page, RW, ANON, -1, 0n));
    bytes(memory, a, 2 * page).fill(8);
    expect(osal.mprotect(a, 2 * page, RW | PROT.EXEC)).toBe(0);
    const target = a + 16 * page;
    expect(u(osal.mmap(target, page, RW, ANON | MAP.FIXED, -1, 0n))).toBe(target);
    bytes(memory, target, page).fill(1);
    const flags = MREMAP.MAYMOVE | MREMAP.FIXED;
    expect(u(osal.mremap(a, 2 * page, 3 * page, flags, target))).toBe(target);
    expect(bytes(memory, target, 2 * page).every((b) => b === 8)).toBe(true);
    expect(bytes(memory, target + 2 * page, page).every((b) => b === 0)).toBe(true);
    const moved = os.getMappings().find((m) => m.start === target);
    expect(moved?.end).toBe(target + 3 * page);
    expect(moved?.prot).toBe(MmapProtection.ReadWriteExec);
    expect(os.getMappings().some((m) => m.start <= a && a < m.end)).toBe(false);
  });

  it("moves NoAccess memory and refuses overlap, unaligned targets and a range with nothing at its start", () => {
    const { os, memory, osal } = setup();
    const a = u(osal.mmap(0, page, RW, ANON, -1, 0n));
    bytes(memory, a, page).fill(2);
    expect(osal.mprotect(a, page, PROT.NONE)).toBe(0);
    const flags = MREMAP.MAYMOVE | MREMAP.FIXED;
    expect(osal.mremap(a, page, 2 * page, flags, a)).toBe(-Errno.EINVAL);
    expect(osal.mremap(a, page, page, flags, a + 8 * page + 4096)).toBe(-Errno.EINVAL);
    // Nothing mapped at the start of what moves: EFAULT (holes after it move as holes, Linux 6.17).
    expect(osal.mremap(a + page, page, page, flags, a + 20 * page)).toBe(-Errno.EFAULT);
    // Shrinking: only what moves must be one mapping; the excess is unmapped.
    const b = u(osal.mmap(a + 4 * page, page, RW, ANON | MAP.FIXED, -1, 0n));
    const c = u(osal.mmap(b + page, page, PROT.NONE, ANON | MAP.FIXED, -1, 0n));
    expect(u(osal.mremap(b, 2 * page, page, flags, a + 12 * page))).toBe(a + 12 * page);
    expect(os.getMappings().some((m) => m.start < c + page && b < m.end)).toBe(false);
    expect(osal.mremap(a, page, page, flags, 0)).toBe(-Errno.EPERM);
    expect(u(osal.mremap(a, page, page, flags, a + 8 * page))).toBe(a + 8 * page);
    expect(os.getMappings().find((m) => m.start === a + 8 * page)?.prot).toBe(
      MmapProtection.NoAccess,
    );
    expect(bytes(memory, a + 8 * page, page).every((b) => b === 2)).toBe(true);
  });
});

describe("mprotect and madvise", () => {
  it("change protection, zero on MADV_DONTNEED and MADV_FREE, and refuse the rest", () => {
    const { os, memory, osal } = setup();
    const a = u(osal.mmap(0, 2 * page, RW, ANON, -1, 0n));
    expect(osal.mprotect(a, page, PROT.NONE)).toBe(0);
    expect(os.getMappings().find((m) => m.start === a)?.prot).toBe(MmapProtection.NoAccess);
    expect(osal.mprotect(a, 1, RW)).toBe(0);
    expect(osal.mprotect(a, 0, RW)).toBe(0);
    expect(osal.mprotect(a, page, PROT.READ)).toBe(-Errno.ENOTSUP);
    expect(osal.mprotect(a + 3, page, RW)).toBe(-Errno.EINVAL);
    expect(osal.mprotect(a + 16 * page, page, RW)).toBe(-Errno.ENOMEM);
    bytes(memory, a, 2 * page).fill(6);
    expect(osal.madvise(a, 1, MADV.DONTNEED)).toBe(0);
    expect(bytes(memory, a, page).every((b) => b === 0)).toBe(true);
    expect(bytes(memory, a + page, page).every((b) => b === 6)).toBe(true);
    expect(osal.madvise(a + page, page, MADV.FREE)).toBe(0);
    expect(bytes(memory, a + page, page).every((b) => b === 0)).toBe(true);
    expect(osal.madvise(a, page, MADV.WILLNEED)).toBe(0);
    expect(osal.madvise(a, page, MADV.MERGEABLE)).toBe(-Errno.EINVAL);
    expect(osal.madvise(a, page, 99)).toBe(-Errno.EINVAL);
    expect(osal.madvise(a + 16 * page, page, MADV.DONTNEED)).toBe(-Errno.ENOMEM);
    expect(osal.madvise(a, 0, MADV.DONTNEED)).toBe(0);
  });
});

describe("results the guest could not tell from -errno", () => {
  it("unmaps a mapping placed at or above 2^32 - 4095 and fails with ENOMEM", () => {
    const unmapped: [number, number][] = [];
    const fake = {
      pageSize: 4096,
      addressSpaceEnd: 2 ** 47,
      dzmmapAnywhere: () => 2 ** 32,
      munmap: (start: number, size: number) => void unmapped.push([start, size]),
    } as unknown as OSMemory;
    const osal = createGuestImports(fake);
    expect(osal.mmap(0, 100, RW, ANON, -1, 0n)).toBe(-Errno.ENOMEM);
    expect(unmapped).toEqual([[2 ** 32, 4096]]);
    expect(MAX_RESULT_ADDRESS | 0).toBe(-4096);
  });

  it("lets exceptions that are not OSErrors through: a host bug traps the guest", () => {
    const fake = {
      pageSize: 4096,
      addressSpaceEnd: 2 ** 32,
      dzmmapAnywhere: () => {
        throw new TypeError("bug");
      },
    } as unknown as OSMemory;
    expect(() => createGuestImports(fake).mmap(0, 100, RW, ANON, -1, 0n)).toThrow(TypeError);
  });
});

describe("binding", () => {
  it("refuses a backend over another memory", () => {
    const { os } = freshPageManager();
    const other = new WebAssembly.Memory({ initial: 1 });
    expect(() => createGuestImports(os, { memory: other })).toThrow(TypeError);
  });

  it("defers: calls before bind() trap, bind() connects once", () => {
    const deferred = deferGuestImports();
    expect(() => deferred.imports.mmap(0, page, RW, ANON, -1, 0n)).toThrow(/before bind/);
    const { os, memory } = freshPageManager();
    deferred.bind(os, { memory });
    expect(deferred.backend).toBe(os);
    expect(u(deferred.imports.mmap(0, page, RW, ANON, -1, 0n)) % page).toBe(0);
    expect(() => deferred.bind(os, { memory })).toThrow(/already/);
  });
});

describe("any call", () => {
  it("returns an address or -errno in [-4095, -1], and a failed call changes no mapping", () => {
    const { os, osal } = setup();
    const anchor = u(osal.mmap(0, 4 * page, RW, ANON, -1, 0n));
    const word = fc.oneof(
      fc.constantFrom(0, 1, 2, 3, 4, 0x10, 0x20, 0x22, 0x32, 0x4022, 0x100022, 0x8022, 99),
      fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    );
    const address = fc.oneof(
      fc.constantFrom(0, anchor, anchor + page, anchor + 3 * page, anchor + 5),
      fc.integer({ min: 0, max: 2 ** 32 - 1 }),
    );
    const length = fc.oneof(fc.constantFrom(0, 1, page, 2 * page, 2 ** 32 - 1), fc.nat());
    const call = fc.oneof(
      fc.tuple(fc.constant("mmap" as const), address, length, word, word),
      fc.tuple(fc.constant("munmap" as const), address, length, word, word),
      fc.tuple(fc.constant("mremap" as const), address, length, length, word),
      fc.tuple(fc.constant("mprotect" as const), address, length, word, word),
      fc.tuple(fc.constant("madvise" as const), address, length, word, word),
    );
    fc.assert(
      fc.property(call, ([name, a, b, c, d]) => {
        const before = os.getMappings();
        let result: number;
        switch (name) {
          case "mmap":
            result = osal.mmap(a | 0, b | 0, c, d, -1, 0n);
            break;
          case "munmap":
            result = osal.munmap(a | 0, b | 0);
            break;
          case "mremap":
            result = osal.mremap(a | 0, b | 0, c | 0, d, 0);
            break;
          case "mprotect":
            result = osal.mprotect(a | 0, b | 0, c);
            break;
          case "madvise":
            result = osal.madvise(a | 0, b | 0, c);
            break;
        }
        expect(Number.isInteger(result)).toBe(true);
        if (result < 0 && result >= -4095) expect(os.getMappings()).toEqual(before);
        else if (name === "mmap" || name === "mremap") expect(u(result) % page).toBe(0);
        else expect(result).toBe(0);
      }),
      { numRuns: 300, seed: 6 },
    );
  });
});

describe("on a simulated process (mock-unix, 4 KiB pages)", () => {
  it("rounds to the backend's page size, and refuses mappings a wasm32 result cannot carry", () => {
    const wide = createMockUnix();
    const osal = createGuestImports(wide);
    expect(osal.mmap(0, 1, RW, ANON, -1, 0n)).toBe(-Errno.ENOMEM); // placed near 0x7f0000000000
    expect(wide.getMappings()).toEqual([]);

    const narrow = createMockUnix({ addressBits: 32 });
    const imports = createGuestImports(narrow);
    const top = imports.mmap(0, 1, RW, ANON, -1, 0n); // top-down: the last page below 4 GiB
    expect(top).toBe(-4096); // an address (2^32 - 4096), not an error
    expect(narrow.getMappings()).toMatchObject([{ start: 2 ** 32 - 4096, end: 2 ** 32 }]);
    expect(imports.munmap(top, 1)).toBe(0);
    expect(narrow.getMappings()).toEqual([]);
  });
});
