import { Errno, type OSMemory } from "@osal/core";
import { createMockUnix } from "@osal/mock-unix";
import { describe, it } from "vitest";
import { createGuestImports, MAP, MREMAP } from "../src/index.js";

/**
 * The guest imports' fixed-arity checks and mmap's per-module decode cache
 * (Note [Guest call cost]): what the allocation-free call path must still refuse.
 */

const PAGE = 64 * 1024;
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;

/** The mappings, one line per page: what a refused call must leave as it was. */
function backendLayout(os: OSMemory): string {
  const out: string[] = [];
  for (const m of os.getMappings()) {
    const prot = m.prot === "ReadWrite" ? "rw" : m.prot === "ReadWriteExec" ? "rwx" : "none";
    for (let a = m.start; a < m.end; a += PAGE) out.push(`${a.toString(16)} ${prot}`);
  }
  return out.join("\n");
}

describe("guest imports called with more arguments than their wasm signature", () => {
  it("return -EINVAL and change nothing", () => {
    const os = createMockUnix({ pageSize: 65536, addressBits: 32 });
    const osal = createGuestImports(os);
    const start = osal.mmap(0, PAGE, 3, ANON, -1, 0n);
    const before = backendLayout(os);
    const call = (fn: (...a: unknown[]) => number, ...a: unknown[]) => fn(...a);
    const results = [
      call(osal.mmap as never, 0, PAGE, 3, ANON, -1, 0n, 0),
      call(osal.munmap as never, start, PAGE, 0),
      call(osal.mremap as never, start, PAGE, 2 * PAGE, MREMAP.MAYMOVE, 0, 0),
      call(osal.mprotect as never, start, PAGE, 0, 0),
      call(osal.madvise as never, start, PAGE, 4, 0),
      call(osal.set_vma_name as never, start, PAGE, 0, 0),
      call(osal.page_size as never, 0),
    ];
    for (const result of results) {
      if (result !== -Errno.EINVAL) throw new Error(`got ${result}`);
    }
    if (backendLayout(os) !== before) throw new Error("a refused call changed the mappings");
  });
});

describe("mmap's decoded (prot, flags) cache", () => {
  it("checks the offset on every call and keeps pairs apart", () => {
    const os = createMockUnix({ pageSize: 65536, addressBits: 32 });
    const osal = createGuestImports(os);
    const first = osal.mmap(0, PAGE, 3, ANON, -1, 0n) >>> 0;
    if (first >= 2 ** 32 - 4095) throw new Error(`first mmap failed: ${first | 0}`);
    // Same (prot, flags) as a cached pair, wrong offset: still EINVAL.
    const misaligned = osal.mmap(0, PAGE, 3, ANON, -1, 4096n);
    if (misaligned !== -Errno.EINVAL) throw new Error(`misaligned offset gave ${misaligned}`);
    const negative = osal.mmap(0, PAGE, 3, ANON, -1, -BigInt(PAGE));
    if (negative !== -Errno.EINVAL) throw new Error(`negative offset gave ${negative}`);
    // Same flags, another prot: a PROT_NONE mapping, not the cached read-write one.
    const none = osal.mmap(0, PAGE, 0, ANON, -1, 0n) >>> 0;
    if (!backendLayout(os).includes(`${none.toString(16)} none`)) {
      throw new Error(`no PROT_NONE mapping at ${none}:\n${backendLayout(os)}`);
    }
    // Read-only is refused whether or not the flags were seen before.
    if (osal.mmap(0, PAGE, 1, ANON, -1, 0n) !== -Errno.ENOTSUP) throw new Error("PROT_READ mapped");
    // MAP_FIXED with the cached flags' prot replaces at the address.
    if (osal.mmap(first, PAGE, 3, ANON | MAP.FIXED, -1, 0n) >>> 0 !== first) {
      throw new Error("MAP_FIXED did not map at its address");
    }
  });
});
