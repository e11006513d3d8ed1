import { Errno, type OSMemory } from "@osal/core";
import { createMockUnix } from "@osal/mock-unix";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import fc from "fast-check";
import { describe, it } from "vitest";
import { createGuestImports, MAP, MREMAP, type OsalImports } from "../src/index.js";

/**
 * The guest imports under random i32/i64 arguments (osal issue 15): whatever the
 * guest passes, every call returns an address or `-errno` (never throws, which
 * would trap the guest), a failed call changes no mapping, and the mappings
 * after every call are what Linux would have: a page-by-page model of the
 * address space applies Linux's rules for each call's arguments (alignment,
 * zero lengths, unknown bits, unmapped ranges) and, where Linux would succeed
 * but osal may refuse (`ENOTSUP` for what it does not implement, `ENOMEM` for a
 * backend that cannot place), accepts a refusal that changed nothing.
 */

const PAGE = 64 * 1024;
/** Linux's page: the unit of a guest `munmap` on a coarser backend. */
const SUB = 4096;
const MIN_ADDR = 0x10000;
/** Page contents the model tracks: the protection letters. */
type Prot = "rw" | "rwx" | "none";

/** An i32 argument: raw, or resolved against an address the model knows. */
type Arg =
  | { readonly raw: number }
  | { readonly near: number; readonly pages: number; readonly skew: number };

type Call =
  | { kind: "mmap"; addr: Arg; len: Arg; prot: number; flags: number; fd: number; off: bigint }
  | { kind: "munmap"; addr: Arg; len: Arg }
  | { kind: "mprotect"; addr: Arg; len: Arg; prot: number }
  | { kind: "madvise"; addr: Arg; len: Arg; advice: number }
  | { kind: "mremap"; addr: Arg; oldLen: Arg; newLen: Arg; flags: number; newAddr: Arg };

const i32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const address: fc.Arbitrary<Arg> = fc.oneof(
  { arbitrary: i32.map((raw) => ({ raw })), weight: 1 },
  {
    arbitrary: fc.record({
      near: fc.nat(50),
      pages: fc.integer({ min: -2, max: 6 }),
      skew: fc.constantFrom(0, 0, 0, 0, 1, -1, 4096),
    }),
    weight: 4,
  },
);
const length: fc.Arbitrary<Arg> = fc.oneof(
  { arbitrary: i32.map((raw) => ({ raw })), weight: 1 },
  { arbitrary: fc.constant({ raw: 0 }), weight: 1 },
  {
    arbitrary: fc.record({
      near: fc.constant(-1),
      pages: fc.integer({ min: 1, max: 6 }),
      skew: fc.constantFrom(0, 0, 0, -1, 1, 100),
    }),
    weight: 6,
  },
);
const protBits = fc.oneof(fc.constantFrom(0, 3, 3, 7, 1, 5, 0x8), i32);
const ANON = MAP.PRIVATE | MAP.ANONYMOUS;
const mmapFlags = fc.oneof(
  {
    arbitrary: fc.constantFrom(ANON, ANON, ANON | MAP.FIXED, ANON | MAP.FIXED_NOREPLACE),
    weight: 6,
  },
  {
    arbitrary: fc.constantFrom(
      ANON | MAP.NORESERVE,
      MAP.SHARED | MAP.ANONYMOUS,
      MAP.PRIVATE,
      ANON | 0x40,
    ),
    weight: 2,
  },
  { arbitrary: i32, weight: 1 },
);
const fd = fc.oneof(fc.constantFrom(-1, -1, -1, 0, 3), i32);
const offset = fc.oneof(fc.constant(0n), fc.bigInt(-(2n ** 63n), 2n ** 63n - 1n));
const remapFlags = fc.oneof(fc.constantFrom(0, 1, 1, 3, 5, 2, 4, 7), i32);
const advice = fc.oneof(fc.integer({ min: 0, max: 17 }), i32);

const call: fc.Arbitrary<Call> = fc.oneof(
  {
    arbitrary: fc.record({
      kind: fc.constant("mmap" as const),
      addr: address,
      len: length,
      prot: protBits,
      flags: mmapFlags,
      fd,
      off: offset,
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({ kind: fc.constant("munmap" as const), addr: address, len: length }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("mprotect" as const),
      addr: address,
      len: length,
      prot: protBits,
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("madvise" as const),
      addr: address,
      len: length,
      advice,
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant("mremap" as const),
      addr: address,
      oldLen: length,
      newLen: length,
      flags: remapFlags,
      newAddr: address,
    }),
    weight: 3,
  },
);

/** The Linux model: mapped pages and their protection, plus addresses worth aiming at. */
class LinuxModel {
  readonly pages = new Map<number, Prot>();
  readonly known: number[] = [MIN_ADDR, 0x100000];

  resolve(arg: Arg): number {
    if ("raw" in arg) return arg.raw >>> 0;
    const base = arg.near < 0 ? 0 : this.known[arg.near % this.known.length]!;
    return (base + arg.pages * PAGE + arg.skew) >>> 0;
  }

  mapped(start: number, size: number): boolean {
    for (let a = start; a < start + size; a += PAGE) if (!this.pages.has(a)) return false;
    return true;
  }

  free(start: number, size: number): boolean {
    for (let a = start; a < start + size; a += PAGE) if (this.pages.has(a)) return false;
    return true;
  }

  set(start: number, size: number, prot: Prot | undefined): void {
    for (let a = start; a < start + size; a += PAGE) {
      if (prot === undefined) this.pages.delete(a);
      else this.pages.set(a, prot);
    }
    if (prot !== undefined) this.known.push(start);
    if (this.known.length > 12) this.known.splice(2, 1);
  }

  /**
   * The sub-granule `munmap` ledger (wasm-guest's Note [Sub-granule munmap on
   * coarse backends]): the 4 KiB pages released so far of each partly unmapped
   * granule; a granule goes when its last 4 KiB page does.
   */
  readonly released = new Map<number, Set<number>>();

  forget(start: number, end: number): void {
    for (const g of [...this.released.keys()])
      if (g + PAGE > start && g < end) this.released.delete(g);
  }

  release(from: number, to: number): void {
    for (let g = Math.floor(from / PAGE) * PAGE; g < to; g += PAGE) {
      if (!this.pages.has(g)) continue;
      const set = this.released.get(g) ?? new Set<number>();
      this.released.set(g, set);
      for (let a = Math.max(from, g); a < Math.min(to, g + PAGE); a += SUB) set.add((a - g) / SUB);
      if (set.size === PAGE / SUB) {
        this.pages.delete(g);
        this.released.delete(g);
      }
    }
  }

  /** A mapping of `length` bytes made at `start`: the rest of its last granule counts as released. */
  mappedAt(start: number, length: number): void {
    this.forget(start, start + up(length));
    if (upSub(length) < up(length)) this.release(start + upSub(length), start + up(length));
  }

  unmap(addr: number, length: number): void {
    const end = addr + upSub(length);
    const first = Math.ceil(addr / PAGE) * PAGE;
    const last = Math.floor(end / PAGE) * PAGE;
    if (first < last) {
      this.set(first, last - first, undefined);
      this.forget(first, last);
      if (addr < first) this.release(addr, first);
      if (last < end) this.release(last, end);
    } else {
      this.release(addr, end);
    }
  }

  layout(): string {
    return [...this.pages.entries()]
      .sort(([a], [b]) => a - b)
      .map(([a, prot]) => `${a.toString(16)} ${prot}`)
      .join("\n");
  }
}

function backendLayout(os: OSMemory): string {
  const out: string[] = [];
  for (const m of os.getMappings()) {
    const prot = m.prot === "ReadWrite" ? "rw" : m.prot === "ReadWriteExec" ? "rwx" : "none";
    for (let a = m.start; a < m.end; a += PAGE) out.push(`${a.toString(16)} ${prot}`);
  }
  return out.join("\n");
}

const protOf = (bits: number): Prot | undefined =>
  bits === 3 ? "rw" : bits === 7 ? "rwx" : bits === 0 ? "none" : undefined;
const up = (n: number) => Math.ceil(n / PAGE) * PAGE;
const upSub = (n: number) => Math.ceil(n / SUB) * SUB;
const KNOWN_ADVICE = new Set([0, 1, 2, 3, 4, 14, 15]);

/** What Linux says about one call: `ok` (must succeed), or the errno it must fail with, or `any`. */
type Verdict =
  | { readonly must: "ok" }
  | { readonly must: "fail"; readonly errno: number | undefined }
  | { readonly must: "any" };

class Mismatch extends Error {}

/** Runs one call on the imports and checks it against the model, updating the model. */
function step(osal: OsalImports, os: OSMemory, model: LinuxModel, c: Call, log: string[]): void {
  let result: number;
  let verdict: Verdict = { must: "any" };
  let apply: (r: number) => void = () => {};
  const end = os.addressSpaceEnd;
  switch (c.kind) {
    case "mmap": {
      const addr = model.resolve(c.addr);
      const len = model.resolve(c.len);
      const prot = protOf(c.prot);
      const fixed = (c.flags & MAP.FIXED) !== 0;
      const noreplace = (c.flags & MAP.FIXED_NOREPLACE) !== 0;
      log.push(
        `mmap(${hex(addr)}, ${hex(len)}, ${c.prot}, ${hex(c.flags >>> 0)}, ${c.fd}, ${c.off})`,
      );
      result = osal.mmap(addr | 0, len | 0, c.prot, c.flags, c.fd, c.off);
      if (len === 0) verdict = { must: "fail", errno: Errno.EINVAL };
      // A protection osal cannot give (read-only, unknown bits) fails, with whichever code comes first.
      else if (prot === undefined) verdict = { must: "fail", errno: undefined };
      else if (
        (fixed || noreplace) &&
        addr % PAGE !== 0 &&
        c.flags === (ANON | (fixed ? MAP.FIXED : MAP.FIXED_NOREPLACE))
      )
        verdict = { must: "fail", errno: Errno.EINVAL };
      else if (
        noreplace &&
        !fixed &&
        c.flags === (ANON | MAP.FIXED_NOREPLACE) &&
        addr >= MIN_ADDR &&
        prot &&
        addr % PAGE === 0 &&
        addr + up(len) <= end &&
        !model.free(addr, up(len))
      )
        verdict = { must: "fail", errno: Errno.EEXIST };
      apply = (r) => {
        if (prot === undefined) throw new Mismatch(`mmap with prot ${c.prot} succeeded`);
        if ((fixed || noreplace) && r !== addr) throw new Mismatch(`fixed mmap returned ${hex(r)}`);
        if (!fixed && !noreplace && !model.free(r, up(len)))
          throw new Mismatch(`mmap returned a mapped range ${hex(r)}`);
        if (noreplace && !fixed && !model.free(r, up(len)))
          throw new Mismatch("MAP_FIXED_NOREPLACE replaced a mapping");
        model.set(r, up(len), prot);
        model.mappedAt(r, len);
      };
      break;
    }
    case "munmap": {
      const addr = model.resolve(c.addr);
      const len = model.resolve(c.len);
      log.push(`munmap(${hex(addr)}, ${hex(len)})`);
      result = osal.munmap(addr | 0, len | 0);
      // The sub-granule rule: any 4 KiB-aligned range (past the end: whatever
      // the backend says, the call changes nothing if it fails).
      verdict =
        len === 0 || addr % SUB !== 0
          ? { must: "fail", errno: Errno.EINVAL }
          : addr + upSub(len) > end
            ? { must: "any" }
            : { must: "ok" };
      apply = () => model.unmap(addr, len);
      break;
    }
    case "mprotect": {
      const addr = model.resolve(c.addr);
      const len = model.resolve(c.len);
      const prot = protOf(c.prot);
      log.push(`mprotect(${hex(addr)}, ${hex(len)}, ${c.prot})`);
      result = osal.mprotect(addr | 0, len | 0, c.prot);
      if (addr % PAGE !== 0) verdict = { must: "fail", errno: Errno.EINVAL };
      else if (prot === undefined) verdict = { must: "any" };
      else if (len === 0) verdict = { must: "ok" };
      else if (addr + up(len) > end || !model.mapped(addr, up(len)))
        verdict = { must: "fail", errno: Errno.ENOMEM };
      else verdict = { must: "ok" };
      apply = () => {
        if (prot === undefined) throw new Mismatch(`mprotect with prot ${c.prot} succeeded`);
        if (len > 0) model.set(addr, up(len), prot);
      };
      break;
    }
    case "madvise": {
      const addr = model.resolve(c.addr);
      const len = model.resolve(c.len);
      log.push(`madvise(${hex(addr)}, ${hex(len)}, ${c.advice})`);
      result = osal.madvise(addr | 0, len | 0, c.advice);
      if (addr % PAGE !== 0) verdict = { must: "fail", errno: Errno.EINVAL };
      else if (!KNOWN_ADVICE.has(c.advice)) verdict = { must: "any" };
      else if (len === 0) verdict = { must: "ok" };
      else if (addr + up(len) > end || !model.mapped(addr, up(len)))
        verdict = { must: "fail", errno: Errno.ENOMEM };
      else verdict = { must: "ok" };
      break;
    }
    case "mremap": {
      const old = model.resolve(c.addr);
      const oldLen = model.resolve(c.oldLen);
      const newLen = model.resolve(c.newLen);
      const newAddr = model.resolve(c.newAddr);
      const flags = c.flags >>> 0;
      log.push(`mremap(${hex(old)}, ${hex(oldLen)}, ${hex(newLen)}, ${flags}, ${hex(newAddr)})`);
      const oldProts = [...Array(up(oldLen) / PAGE).keys()].map((i) =>
        model.pages.get(old + i * PAGE),
      );
      result = osal.mremap(old | 0, oldLen | 0, newLen | 0, c.flags, newAddr | 0);
      const mayMove = (flags & MREMAP.MAYMOVE) !== 0;
      if (flags & ~7 || old % PAGE !== 0 || newLen === 0 || oldLen === 0 || (!mayMove && flags & 6))
        verdict = { must: "fail", errno: Errno.EINVAL };
      else if (flags & 4 && up(oldLen) !== up(newLen)) verdict = { must: "fail", errno: undefined };
      else if (old + up(oldLen) > end) verdict = { must: "fail", errno: undefined };
      else if (!model.pages.has(old))
        verdict = { must: "fail", errno: flags & 2 ? undefined : Errno.EFAULT };
      apply = (r) => {
        const newSize = up(newLen);
        const oldSize = up(oldLen);
        if (!mayMove && r !== old) throw new Mismatch(`mremap without MAYMOVE moved to ${hex(r)}`);
        if (oldProts.some((p) => p === undefined)) {
          if (newSize > oldSize) throw new Mismatch("mremap grew a range with holes");
        }
        const last = oldProts[Math.min(oldProts.length, newSize / PAGE) - 1] ?? "rw";
        const moved = oldProts.slice(0, newSize / PAGE);
        const dontUnmap = (flags & 4) !== 0;
        const ledgerUntouched = oldSize === newSize && flags === 0;
        if (!ledgerUntouched && !dontUnmap) model.forget(old, old + oldSize);
        if (!dontUnmap) model.set(old, oldSize, undefined);
        else model.set(old, oldSize, oldProts[0]);
        for (let i = 0; i < newSize / PAGE; i++) {
          const prot = moved[i] ?? last;
          if (prot) model.set(r + i * PAGE, PAGE, prot);
          else model.set(r + i * PAGE, PAGE, undefined);
        }
        if (!ledgerUntouched) model.mappedAt(r, newLen);
      };
      break;
    }
  }
  const r = result! >>> 0;
  const failed = r >= 2 ** 32 - 4095;
  const errno = 2 ** 32 - r;
  log[log.length - 1] += ` -> ${failed ? `-${errno}` : hex(r)}`;
  if (failed) {
    if (verdict.must === "ok") throw new Mismatch(`Linux succeeds here, osal returned -${errno}`);
    // osal checks for what it does not implement (ENOTSUP) before some of Linux's
    // EINVAL checks: tolerated, the call still failed and changed nothing.
    const expected = verdict.must === "fail" ? verdict.errno : undefined;
    if (expected !== undefined && errno !== expected && errno !== Errno.ENOTSUP) {
      throw new Mismatch(`Linux fails with ${expected}, osal with ${errno}`);
    }
  } else {
    if (verdict.must === "fail")
      throw new Mismatch(`Linux fails with ${verdict.errno}, osal succeeded`);
    if (c.kind === "mmap" || c.kind === "mremap") {
      if (r % PAGE !== 0 || r < MIN_ADDR)
        throw new Mismatch(`result ${hex(r)} is not a page-aligned address`);
    } else if (r !== 0) throw new Mismatch(`result ${r} instead of 0`);
    apply(r);
  }
  const actual = backendLayout(os);
  if (actual !== model.layout()) {
    throw new Mismatch(`mappings differ\n backend:\n${actual}\n model:\n${model.layout()}`);
  }
}

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

const backends: [string, () => OSMemory][] = [
  ["mock-unix (64 KiB pages, 4 GiB)", () => createMockUnix({ pageSize: 65536, addressBits: 32 })],
  [
    "wasm-page-manager (64 MiB maximum)",
    () => createWasmPageManager({ memory: new WebAssembly.Memory({ initial: 1, maximum: 1024 }) }),
  ],
];

describe("guest imports under random i32/i64 arguments against a Linux model", () => {
  for (const [name, make] of backends) {
    it(`${name}: every result is an address or -errno, failures change nothing, mappings match`, () => {
      fc.assert(
        fc.property(fc.array(call, { maxLength: 40 }), (calls) => {
          const os = make();
          const osal = createGuestImports(os);
          const model = new LinuxModel();
          for (const m of os.getMappings()) model.set(m.start, m.end - m.start, "rw");
          const log: string[] = [];
          try {
            for (const c of calls) step(osal, os, model, c, log);
          } catch (error) {
            const kind =
              error instanceof Mismatch ? "mismatch" : "the import threw (the guest would trap)";
            throw new Error(`${kind}: ${(error as Error).message}\ncalls:\n  ${log.join("\n  ")}`);
          }
        }),
        { numRuns: 150, seed: 0x15 },
      );
    });
  }
});

describe("guest imports called from JS with values wasm cannot pass", () => {
  it("return -EINVAL and change nothing, whatever the value's type", () => {
    const os = createMockUnix({ pageSize: 65536, addressBits: 32 });
    const osal = createGuestImports(os);
    const start = osal.mmap(0, PAGE, 3, ANON, -1, 0n);
    const before = backendLayout(os);
    const wrong: unknown[] = [
      "65536",
      undefined,
      null,
      1.5,
      2 ** 32,
      1n << 70n,
      {},
      [PAGE],
      () => 0,
    ];
    const call = (fn: (...a: unknown[]) => number, ...a: unknown[]) => fn(...a);
    for (const value of wrong) {
      const results = [
        call(osal.mmap as never, value, PAGE, 3, ANON, -1, 0n),
        call(
          osal.mmap as never,
          0,
          PAGE,
          3,
          ANON,
          -1,
          typeof value === "bigint" && value < 2n ** 63n ? 1 : value,
        ),
        call(osal.munmap as never, start, value),
        call(osal.mremap as never, start, PAGE, value, MREMAP.MAYMOVE, 0),
        call(osal.mprotect as never, start, PAGE, value),
        call(osal.madvise as never, value, PAGE, 4),
      ];
      for (const result of results) {
        if (result !== -Errno.EINVAL) throw new Error(`${String(value)}: got ${result}`);
      }
    }
    if (backendLayout(os) !== before) throw new Error("a refused call changed the mappings");
  });
});
