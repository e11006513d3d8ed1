import {
  MmapProtection,
  MmapStrategy,
  type OperatingSystem,
  type PageStateReporter,
  type PageStateRun,
  reportsPageStates,
} from "@osal/core";
import fc from "fast-check";
import { expect } from "vitest";
import type { CaseContext, ConformanceCase, ConformanceGroup } from "../conformance-case.js";
import { expectZero } from "../expectations.js";
import { listedAt } from "../listing.js";

/*
 * The lazy-zeroing contract of the linear-memory backends (Note [Lazy zeroing]
 * in @osal/linear-memory), through the public interface only. A page that may
 * hold old bytes is zeroed when it can be read and not before: mapping or
 * making it `NoAccess` writes nothing, opening it (mapping accessible, mprotect,
 * madvise(dontneed) while accessible) writes it once; pages known to be zero
 * (never handed out, or `NoAccess` over such pages) are never written; and
 * `stats().zeroedBytes` counts exactly the bytes written, when they are
 * written. Which free pages are known zero is read from `pageStates()`
 * (`free-zeroed` against `free-dirty`), so no case depends on where a backend
 * places a mapping. Opt in with `runConformance(…, { lazyZeroing: true })`.
 */

/** MMTk's release of a chunk: QUARANTINE (`NoAccess`) mapped over it with MAP_FIXED. */
const QUARANTINE_FIXED = MmapStrategy.QUARANTINE.withReplace(true);
/** MAP_FIXED read-write, as MMTk maps a chunk over its quarantine. */
const FIXED_RW = MmapStrategy.DEFAULT.withReplace(true);
const RW = MmapStrategy.DEFAULT;
const NONE = MmapStrategy.QUARANTINE;

/** Bytes written with zeros so far. */
function zeroed(os: OperatingSystem): number {
  return os.stats().zeroedBytes;
}

/**
 * What a test knows of the free pages before a call: the runs `pageStates()`
 * lists, and the memory's size (`stats().footprintBytes`). A page listed
 * `free-zeroed` is clean; `free-dirty` or `external`, dirty; a page not listed
 * and past the memory's end is clean (growing gives zeros); one not listed
 * inside the memory is not the backend's yet and may come back either way (a
 * guest's `sbrk` may hand out bytes it used before).
 */
interface FreeKnowledge {
  readonly runs: readonly PageStateRun[];
  readonly memoryEnd: number;
}

type Cleanliness = "clean" | "dirty" | "unknown";

/** Skips the case unless the backend reports page states; returns how to take a {@link FreeKnowledge}. */
function freePages(os: OperatingSystem, context: CaseContext): () => FreeKnowledge {
  if (!reportsPageStates(os)) return context.skip("the backend reports no pageStates()");
  return () => knowledgeOf(os);
}

function knowledgeOf(os: OperatingSystem & PageStateReporter): FreeKnowledge {
  return { runs: os.pageStates(), memoryEnd: os.stats().footprintBytes };
}

/** Whether the free page at `address` reads as zero as far as `known` tells. */
function cleanliness(known: FreeKnowledge, address: number): Cleanliness {
  const run = known.runs.find((r) => r.start <= address && r.end > address);
  if (run !== undefined) return run.state === "free-zeroed" ? "clean" : "dirty";
  return address >= known.memoryEnd ? "clean" : "unknown";
}

/**
 * The least and most bytes mapping `[start, start + size)` accessible over free
 * pages must zero: each dirty page, and each page of unknown cleanliness at most.
 */
function zeroingBounds(
  known: FreeKnowledge,
  start: number,
  size: number,
  pageSize: number,
): [number, number] {
  let least = 0;
  let most = 0;
  for (let page = start; page < start + size; page += pageSize) {
    const state = cleanliness(known, page);
    if (state === "dirty") least += pageSize;
    if (state !== "clean") most += pageSize;
  }
  return [least, most];
}

/** Asserts `bytes` lies within `[least, most]`. */
function expectWithin(bytes: number, [least, most]: [number, number], what: string): void {
  expect(bytes, `${what}: at least ${least}`).toBeGreaterThanOrEqual(least);
  expect(bytes, `${what}: at most ${most}`).toBeLessThanOrEqual(most);
}

/** CoreCLR's decommit without MAP_FIXED: `NoAccess`, then madvise(dontneed). */
function decommit(os: OperatingSystem, start: number, size: number): void {
  os.setMemoryAccess(start, size, MmapProtection.NoAccess);
  os.madvise(start, size, "dontneed");
}

/** Maps `pages` pages read-write, fills them with `value`, and returns the start. */
function mapFilled(os: OperatingSystem, pages: number, value: number): number {
  const p = os.pageSize;
  const start = os.dzmmapAnywhere(pages * p, p, RW);
  os.fill(start, pages * p, value);
  return start;
}

function expectAll(os: OperatingSystem, start: number, size: number, value: number): void {
  expect(os.read(start, size).every((b) => b === value)).toBe(true);
}

const cases: ConformanceCase[] = [
  {
    name: "decommit (NoAccess, then dontneed) of written pages writes nothing",
    run(os) {
      const p = os.pageSize;
      const a = mapFilled(os, 4, 0xab);
      const before = zeroed(os);
      decommit(os, a, 4 * p);
      expect(zeroed(os) - before).toBe(0);
      expect(listedAt(os, a)?.prot).toBe(MmapProtection.NoAccess);
    },
  },
  {
    name: "decommit then commit zeroes the decommitted pages exactly once; committed pages keep their bytes",
    run(os) {
      const p = os.pageSize;
      const a = mapFilled(os, 8, 9);
      const before = zeroed(os);
      decommit(os, a + 4 * p, 4 * p);
      decommit(os, a + 4 * p, 4 * p);
      os.madvise(a + 4 * p, 4 * p, "dontneed");
      expect(zeroed(os) - before).toBe(0);
      os.setMemoryAccess(a, 8 * p, MmapProtection.ReadWrite);
      expect(zeroed(os) - before).toBe(4 * p);
      expectAll(os, a, 4 * p, 9);
      expectZero(os, a + 4 * p, 4 * p);
      // Opening committed memory again keeps what was written since.
      os.fill(a + 4 * p, 4 * p, 7);
      os.setMemoryAccess(a, 8 * p, MmapProtection.ReadWriteExec);
      expectAll(os, a + 4 * p, 4 * p, 7);
      expect(zeroed(os) - before).toBe(4 * p);
    },
  },
  {
    name: "madvise dontneed on accessible pages zeroes them at once, and counts them",
    run(os) {
      const p = os.pageSize;
      const a = mapFilled(os, 3, 5);
      const before = zeroed(os);
      os.madvise(a + p, 2 * p, "dontneed");
      expect(zeroed(os) - before).toBe(2 * p);
      expectAll(os, a, p, 5);
      expectZero(os, a + p, 2 * p);
    },
  },
  {
    name: "quarantine (NoAccess MAP_FIXED) over written pages writes nothing; mprotect opening it zeroes it once",
    requires: { fixed: true },
    run(os) {
      const p = os.pageSize;
      const a = mapFilled(os, 8, 0xab);
      const before = zeroed(os);
      os.dzmmap(a + 2 * p, 4 * p, QUARANTINE_FIXED);
      os.dzmmap(a + 2 * p, 4 * p, QUARANTINE_FIXED);
      expect(zeroed(os) - before).toBe(0);
      os.setMemoryAccess(a, 8 * p, MmapProtection.ReadWrite);
      expect(zeroed(os) - before).toBe(4 * p);
      expectAll(os, a, 2 * p, 0xab);
      expectZero(os, a + 2 * p, 4 * p);
      expectAll(os, a + 6 * p, 2 * p, 0xab);
    },
  },
  {
    name: "a read-write MAP_FIXED over a quarantine zeroes it exactly once",
    requires: { fixed: true },
    run(os) {
      const p = os.pageSize;
      const a = mapFilled(os, 4, 1);
      const before = zeroed(os);
      os.dzmmap(a, 4 * p, QUARANTINE_FIXED);
      os.dzmmap(a, 4 * p, FIXED_RW);
      expect(zeroed(os) - before).toBe(4 * p);
      expectZero(os, a, 4 * p);
    },
  },
  {
    name: "an unmapped pending page is never handed out as zero: mapping it again zeroes it, once",
    run(os, context) {
      const states = freePages(os, context);
      const p = os.pageSize;
      const a = mapFilled(os, 4, 5);
      decommit(os, a, 4 * p);
      os.munmap(a, 4 * p);
      expect(cleanliness(states(), a)).toBe("dirty");
      expect(cleanliness(states(), a + 3 * p)).toBe("dirty");
      const before = states();
      const start = zeroed(os);
      const b = os.dzmmapAnywhere(4 * p, p, RW);
      expectWithin(zeroed(os) - start, zeroingBounds(before, b, 4 * p, p), "mapping");
      expectZero(os, b, 4 * p);
      // Mapped NoAccess over dirty pages: nothing now, each dirty page once when opened.
      os.fill(b, 4 * p, 6);
      os.munmap(b, 4 * p);
      const again = states();
      const mark = zeroed(os);
      const c = os.dzmmapAnywhere(4 * p, p, NONE);
      expect(zeroed(os) - mark).toBe(0);
      os.setMemoryAccess(c, 4 * p, MmapProtection.ReadWrite);
      expectWithin(zeroed(os) - mark, zeroingBounds(again, c, 4 * p, p), "opening");
      expectZero(os, c, 4 * p);
    },
  },
  {
    name: "pages known zero are never written: mapped NoAccess, unmapped as free-zeroed, opened later",
    run(os, context) {
      const states = freePages(os, context);
      const p = os.pageSize;
      const before = states();
      const start = zeroed(os);
      const heap = os.dzmmapAnywhere(8 * p, p, NONE);
      expect(zeroed(os) - start).toBe(0);
      os.munmap(heap + 4 * p, 4 * p);
      const after = states();
      for (let page = heap + 4 * p; page < heap + 8 * p; page += p) {
        if (cleanliness(before, page) === "clean") expect(cleanliness(after, page)).toBe("clean");
      }
      os.setMemoryAccess(heap, 4 * p, MmapProtection.ReadWrite);
      expectWithin(zeroed(os) - start, zeroingBounds(before, heap, 4 * p, p), "opening");
      expectZero(os, heap, 4 * p);
    },
  },
  {
    name: "a moving mremap carries pending pages without writing them; opening zeroes only what was dirty",
    run(os, context) {
      const states = freePages(os, context);
      const p = os.pageSize;
      const a = mapFilled(os, 4, 2);
      os.setMemoryAccess(a, 4 * p, MmapProtection.NoAccess);
      os.madvise(a + 2 * p, 2 * p, "dontneed"); // pages 2-3 pending, 0-1 keep their bytes
      const wall = os.dzmmapAnywhere(p, p, RW);
      os.fill(wall, p, 8);
      const spare = mapFilled(os, 4, 4); // dirty free pages behind the wall
      os.munmap(spare, 4 * p);
      if (wall !== a + 4 * p) context.skip("the wall did not land right after the mapping");
      const before = states();
      const start = zeroed(os);
      const moved = os.mremap(a, 4 * p, 6 * p, { mayMove: true });
      expect(moved).not.toBe(a);
      expect(zeroed(os) - start).toBe(0);
      os.setMemoryAccess(moved, 6 * p, MmapProtection.ReadWrite);
      expectAll(os, moved, 2 * p, 2);
      expectZero(os, moved + 2 * p, 4 * p);
      expectWithin(zeroed(os) - start, zeroingBounds(before, moved + 2 * p, 4 * p, p), "opening");
      expectAll(os, wall, p, 8);
    },
  },
  {
    name: "random map / mprotect / dontneed / fill / munmap / mremap sequences zero exactly what the marks say",
    run(os, context) {
      if (!reportsPageStates(os)) return context.skip("the backend reports no pageStates()");
      runZeroingModel(os);
    },
  },
];

/**
 * The lazy-zeroing contract, opt-in (`runConformance(…, { lazyZeroing: true })`):
 * for backends that defer zeroing `NoAccess` pages and count every byte they write.
 */
export const lazyZeroingGroup: ConformanceGroup = { title: "lazy zeroing", cases };

type Op =
  | { kind: "map"; count: number; open: boolean }
  | { kind: "protect"; pick: number; count: number; open: boolean }
  | { kind: "dontneed"; pick: number; count: number }
  | { kind: "unmap"; pick: number; count: number }
  | { kind: "fill"; pick: number; count: number; value: number }
  | { kind: "remap"; pick: number; count: number };

const count = fc.integer({ min: 1, max: 4 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant("map" as const), count, open: fc.boolean() }),
  fc.record({ kind: fc.constant("protect" as const), pick: fc.nat(), count, open: fc.boolean() }),
  fc.record({ kind: fc.constant("dontneed" as const), pick: fc.nat(), count }),
  fc.record({ kind: fc.constant("unmap" as const), pick: fc.nat(), count }),
  fc.record({
    kind: fc.constant("fill" as const),
    pick: fc.nat(),
    count,
    value: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant("remap" as const),
    pick: fc.nat(),
    count: fc.integer({ min: 1, max: 6 }),
  }),
);

/** A mapped page as the contract sees it: its contents, protection and zero mark. */
interface ModelPage {
  value: number;
  open: boolean;
  /**
   * `dirty`: its bytes are its own; `pending`: owed zeros; `zero`: known zero;
   * `maybe`: `NoAccess` over a page of unknown cleanliness, `zero` or `pending`.
   */
  mark: "dirty" | "pending" | "zero" | "maybe";
  /** The model mapping it belongs to (mremap works on one). */
  mapping: number;
}

/** The mark a page mapped `NoAccess` gets over a free page of cleanliness `state`. */
function closedMark(state: Cleanliness): ModelPage["mark"] {
  return state === "clean" ? "zero" : state === "dirty" ? "pending" : "maybe";
}

/**
 * Random sequences over one backend, each call's zeroing checked against the
 * marks of Note [Lazy zeroing] (exactly, where the free pages' cleanliness is
 * known) and every page it touched read back.
 */
function runZeroingModel(os: OperatingSystem & PageStateReporter): void {
  const p = os.pageSize;
  fc.assert(
    fc.property(fc.array(op, { maxLength: 30 }), (ops) => {
      // One instance for every run: each run starts by unmapping what the last left.
      unmapEverything(os);
      const pages = new Map<number, ModelPage>();
      let mappings = 0;
      /** Up to `n` mapped pages of one model mapping, from the `pick`-th mapped page. */
      const mapped = (pick: number, n: number): number[] => {
        const keys = [...pages.keys()].sort((x, y) => x - y);
        if (keys.length === 0) return [];
        const from = keys[pick % keys.length]!;
        const mapping = pages.get(from)!.mapping;
        const run: number[] = [];
        for (let i = from; run.length < n && pages.get(i)?.mapping === mapping; i++) run.push(i);
        return run;
      };
      for (const o of ops) {
        const before = knowledgeOf(os);
        const start = zeroed(os);
        const touched: number[] = [];
        let least = 0;
        let most = 0;
        /** Maps model page `i` of `mapping` over a free page (zeroing it if opened and not clean). */
        const mapFresh = (i: number, open: boolean, mapping: number): void => {
          const state = cleanliness(before, i * p);
          if (open && state === "dirty") least += p;
          if (open && state !== "clean") most += p;
          pages.set(i, { value: 0, open, mark: open ? "dirty" : closedMark(state), mapping });
          touched.push(i);
        };
        if (o.kind === "map") {
          const at = os.dzmmapAnywhere(o.count * p, p, o.open ? RW : NONE) / p;
          const id = ++mappings;
          for (let i = at; i < at + o.count; i++) mapFresh(i, o.open, id);
        } else if (o.kind === "remap") {
          const run = mapped(o.pick, Number.POSITIVE_INFINITY);
          const from = run[0];
          if (from === undefined) continue;
          const { mapping, open } = pages.get(from)!;
          // mremap works on one mapping: one protection throughout, and no mapping of
          // the same protection right after it (the backend may see the two as one).
          if (run.some((i) => pages.get(i)!.open !== open)) continue;
          if (pages.get(run[run.length - 1]! + 1)?.open === open) continue;
          const old = run.length;
          const at = os.mremap(from * p, old * p, o.count * p, { mayMove: true }) / p;
          const kept = run.slice(0, Math.min(old, o.count)).map((i) => pages.get(i)!);
          for (const i of run) pages.delete(i);
          kept.forEach((page, k) => {
            // A move copies only dirty pages; the others take a mark from their new page.
            const mark =
              at === from || page.mark === "dirty"
                ? page.mark
                : closedMark(cleanliness(before, (at + k) * p));
            pages.set(at + k, { ...page, mark });
            touched.push(at + k);
          });
          for (let i = old; i < o.count; i++) mapFresh(at + i, open, mapping);
        } else {
          const run = mapped(o.pick, o.count);
          if (run.length === 0) continue;
          const addr = run[0]! * p;
          const size = run.length * p;
          touched.push(...run);
          if (o.kind === "protect") {
            const prot = o.open ? MmapProtection.ReadWrite : MmapProtection.NoAccess;
            os.setMemoryAccess(addr, size, prot);
            for (const i of run) {
              const page = pages.get(i)!;
              if (o.open) {
                if (page.mark === "pending") least += p;
                if (page.mark === "pending" || page.mark === "maybe") most += p;
                page.mark = "dirty";
              }
              page.open = o.open;
            }
          } else if (o.kind === "dontneed") {
            os.madvise(addr, size, "dontneed");
            for (const i of run) {
              const page = pages.get(i)!;
              if (page.open) {
                least += p;
                most += p;
              } else if (page.mark === "dirty") page.mark = "pending";
              page.value = 0;
            }
          } else if (o.kind === "unmap") {
            os.munmap(addr, size);
            for (const i of run) pages.delete(i);
          } else if (run.every((i) => pages.get(i)!.open)) {
            os.fill(addr, size, o.value);
            for (const i of run) pages.get(i)!.value = o.value;
          }
        }
        expectWithin(zeroed(os) - start, [least, most], `${o.kind}: bytes zeroed`);
        for (const i of touched) {
          const page = pages.get(i);
          if (page?.open) expectAll(os, i * p, p, page.value);
        }
      }
      // Opening everything still mapped shows each page's contents.
      for (const [i, page] of pages) {
        os.setMemoryAccess(i * p, p, MmapProtection.ReadWrite);
        expectAll(os, i * p, p, page.value);
      }
    }),
    { numRuns: 25, seed: 0x2e70 },
  );
}

/** Unmaps every mapping the backend lists, so the next model run starts with no mapping. */
function unmapEverything(os: OperatingSystem): void {
  for (const m of os.getMappings()) os.munmap(m.start, m.end - m.start);
}
