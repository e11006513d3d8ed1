import { Errno, formatAnnotation, type OSMemory } from "@osal/core";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { describe, expect, it } from "vitest";
import { createGuestImports, MAP, MREMAP, type OsalImports, PROT } from "../src/index.js";

const KiB = 1024;
const MiB = 1024 * KiB;
const RW = PROT.READ | PROT.WRITE;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;
const u = (result: number) => result >>> 0;

function over(make: (memory: WebAssembly.Memory) => OSMemory): {
  os: OSMemory;
  memory: WebAssembly.Memory;
  osal: OsalImports;
} {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const os = make(memory);
  return { os, memory, osal: createGuestImports(os, { memory }) };
}

const megablocks = () => over((memory) => createGhcMegablock({ memory }));
const pages4k = () => over((memory) => createWasmPageManager({ memory, pageSize: 4 * KiB }));

/** Bytes of the backend's mappings. */
const mapped = (os: OSMemory) => os.getMappings().reduce((n, m) => n + m.end - m.start, 0);

describe("page size", () => {
  it("page_size answers the backend's granule", () => {
    expect(megablocks().osal.page_size()).toBe(MiB);
    expect(pages4k().osal.page_size()).toBe(4 * KiB);
  });
});

describe("MAP_SHARED | MAP_ANONYMOUS and MAP_UNINITIALIZED", () => {
  it("maps shared anonymous memory as private anonymous memory (no fork in wasm)", () => {
    const { os, memory, osal } = pages4k();
    for (const type of [MAP.SHARED, MAP.SHARED_VALIDATE]) {
      const a = u(osal.mmap(0, 8 * KiB, RW, type | MAP.ANONYMOUS, -1, 0n));
      expect(new Uint8Array(memory.buffer, a, 8 * KiB).every((b) => b === 0)).toBe(true);
      expect(os.getMappings().some((m) => m.start <= a && a + 8 * KiB <= m.end)).toBe(true);
    }
    expect(osal.mmap(0, 4 * KiB, RW, MAP.SHARED, 3, 0n)).toBe(-Errno.ENODEV);
  });

  it("passes MAP_UNINITIALIZED on: the bytes are what the backend's capability says", () => {
    const { os, memory, osal } = pages4k();
    const a = u(osal.mmap(0, 64 * KiB, RW, ANON, -1, 0n));
    new Uint8Array(memory.buffer, a, 64 * KiB).fill(9);
    expect(osal.munmap(a, 64 * KiB)).toBe(0);
    const b = u(osal.mmap(0, 64 * KiB, RW, ANON | MAP.UNINITIALIZED, -1, 0n));
    expect(b).toBeGreaterThan(0);
    const zeroed = new Uint8Array(memory.buffer, b, 64 * KiB).every((x) => x === 0);
    if (os.capabilities.uninitialized) {
      // Reused pages handed out without zeroing, and counted.
      expect(b).toBe(a);
      expect(zeroed).toBe(false);
      expect(os.stats().uninitializedBytes).toBeGreaterThan(0);
    } else {
      expect(zeroed).toBe(true);
    }
    // Without the flag, the same pages come back zeroed.
    expect(osal.munmap(b, 64 * KiB)).toBe(0);
    const c = u(osal.mmap(0, 64 * KiB, RW, ANON, -1, 0n));
    expect(new Uint8Array(memory.buffer, c, 64 * KiB).every((x) => x === 0)).toBe(true);
  });
});

describe("sub-granule munmap on a coarse backend (1 MiB megablocks)", () => {
  it("PHP-style 4 KiB trims leak nothing: a granule goes once all of it is unmapped", () => {
    const { os, osal } = megablocks();
    // Over-map 2 MiB + 4 KiB, trim 4 KiB off the head and the tail beyond 2 MiB.
    const a = u(osal.mmap(0, 2 * MiB + 4 * KiB, RW, ANON, -1, 0n));
    expect(mapped(os)).toBe(3 * MiB);
    expect(osal.munmap(a, 4 * KiB)).toBe(0);
    expect(osal.munmap(a + 4 * KiB + 2 * MiB - 4 * KiB, 4 * KiB)).toBe(0);
    // The last granule held only the tail (the rest was never asked for): it is gone.
    expect(mapped(os)).toBe(2 * MiB);
    // Freeing the block frees everything, the partly released first granule too.
    expect(osal.munmap(a + 4 * KiB, 2 * MiB - 4 * KiB)).toBe(0);
    expect(mapped(os)).toBe(0);
  });

  it("a 4 KiB mapping and its munmap return the whole granule; unaligned addresses are EINVAL", () => {
    const { os, osal } = megablocks();
    const a = u(osal.mmap(0, 4 * KiB, RW, ANON, -1, 0n));
    expect(mapped(os)).toBe(MiB);
    expect(osal.munmap(a + 100, 4 * KiB)).toBe(-Errno.EINVAL);
    expect(osal.munmap(a, 4 * KiB)).toBe(0);
    expect(mapped(os)).toBe(0);
  });

  it("partly unmapped granules keep their other bytes", () => {
    const { os, memory, osal } = megablocks();
    const a = u(osal.mmap(0, MiB, RW, ANON, -1, 0n));
    new Uint8Array(memory.buffer, a, MiB).fill(5);
    expect(osal.munmap(a + 64 * KiB, 64 * KiB)).toBe(0);
    expect(mapped(os)).toBe(MiB);
    expect(new Uint8Array(memory.buffer, a, 64 * KiB).every((b) => b === 5)).toBe(true);
    expect(osal.munmap(a, 64 * KiB)).toBe(0);
    expect(osal.munmap(a + 128 * KiB, MiB - 128 * KiB)).toBe(0);
    expect(mapped(os)).toBe(0);
  });
});

describe("set_vma_name (prctl PR_SET_VMA_ANON_NAME)", () => {
  function name(memory: WebAssembly.Memory, at: number, text: string): number {
    const bytes = new TextEncoder().encode(`${text}\0`);
    new Uint8Array(memory.buffer, at, bytes.length).set(bytes);
    return at;
  }

  it("names the range's mappings, splitting them, and clears with NULL", () => {
    const { os, memory, osal } = pages4k();
    if (!os.capabilities.setAnnotation) return;
    const a = u(osal.mmap(0, 16 * KiB, RW, ANON, -1, 0n));
    const str = u(osal.mmap(0, 4 * KiB, RW, ANON, -1, 0n));
    expect(osal.set_vma_name(a + 4 * KiB, 8 * KiB, name(memory, str, "space:immix"))).toBe(0);
    const named = os.getMappings().find((m) => m.start === a + 4 * KiB);
    expect(named?.end).toBe(a + 12 * KiB);
    expect(named?.annotation && formatAnnotation(named.annotation)).toBe("space:immix");
    expect(osal.set_vma_name(a, 4 * KiB, name(memory, str, "zend heap"))).toBe(0);
    const misc = os.getMappings().find((m) => m.start === a);
    expect(misc?.annotation && formatAnnotation(misc.annotation)).toBe("misc:zend heap");
    expect(osal.set_vma_name(a, 16 * KiB, 0)).toBe(0);
    expect(os.getMappings().find((m) => m.start === a)?.annotation).toBeUndefined();
  });

  it("refuses what Linux refuses, changing nothing", () => {
    const { os, memory, osal } = pages4k();
    const a = u(osal.mmap(0, 16 * KiB, RW, ANON, -1, 0n));
    const str = u(osal.mmap(0, 4 * KiB, RW, ANON, -1, 0n));
    const before = os.getMappings();
    expect(osal.set_vma_name(a, 4 * KiB, name(memory, str, "x".repeat(80)))).toBe(-Errno.EINVAL);
    expect(osal.set_vma_name(a, 4 * KiB, name(memory, str, "a[b]"))).toBe(-Errno.EINVAL);
    expect(osal.set_vma_name(a + 1, 4 * KiB, name(memory, str, "ok"))).toBe(-Errno.EINVAL);
    expect(os.getMappings()).toEqual(before);
  });

  it("is ENOMEM over a hole, changing nothing", () => {
    const { os, memory, osal } = pages4k();
    if (!os.capabilities.setAnnotation) return;
    const a = u(osal.mmap(0, 16 * KiB, RW, ANON, -1, 0n));
    const str = u(osal.mmap(0, 4 * KiB, RW, ANON, -1, 0n));
    expect(osal.munmap(a + 4 * KiB, 4 * KiB)).toBe(0);
    const before = os.getMappings();
    expect(osal.set_vma_name(a, 16 * KiB, name(memory, str, "heap"))).toBe(-Errno.ENOMEM);
    expect(os.getMappings()).toEqual(before);
  });
});

describe("mremap flags reach the backend", () => {
  it("MREMAP_DONTUNMAP moves the bytes and leaves the old range mapped and zero", () => {
    const { os, memory, osal } = pages4k();
    const a = u(osal.mmap(0, 8 * KiB, RW, ANON, -1, 0n));
    new Uint8Array(memory.buffer, a, 8 * KiB).fill(3);
    const r = osal.mremap(a, 8 * KiB, 8 * KiB, MREMAP.MAYMOVE | MREMAP.DONTUNMAP, 0);
    if (!os.capabilities.remapDontUnmap) {
      expect(r).toBe(-Errno.ENOTSUP);
      return;
    }
    const b = u(r);
    expect(b).not.toBe(a);
    expect(new Uint8Array(memory.buffer, b, 8 * KiB).every((x) => x === 3)).toBe(true);
    expect(new Uint8Array(memory.buffer, a, 8 * KiB).every((x) => x === 0)).toBe(true);
    expect(os.getMappings().some((m) => m.start <= a && a < m.end)).toBe(true);
  });
});
