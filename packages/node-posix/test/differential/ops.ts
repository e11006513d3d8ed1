import type { MadviseAdvice } from "@osal/core";
import { Prng } from "@osal/workloads";

/**
 * The operations of the differential test. Addresses are page offsets from the
 * start of the region both backends share (node-posix's arena, which mock-unix
 * is configured to place into), so a sequence means the same thing on both and
 * stays meaningful when the shrinker drops operations from it. Two times in
 * three, `aim` moves `page` onto a mapping that exists when the operation runs
 * (see `resolve`), so most calls hit mapped memory instead of failing.
 */
export type Op =
  | {
      kind: "map";
      replace: boolean;
      page: number;
      aim: number;
      pages: number;
      prot: number;
      reserve: boolean;
      huge: boolean;
      label: number;
    }
  | {
      kind: "anywhere";
      pages: number;
      alignLog: number;
      prot: number;
      reserve: boolean;
      huge: boolean;
      label: number;
    }
  | { kind: "preferred"; page: number; aim: number; pages: number; alignLog: number; label: number }
  | { kind: "munmap"; page: number; aim: number; pages: number }
  | {
      kind: "mremap";
      page: number;
      aim: number;
      pages: number;
      newPages: number;
      mayMove: boolean;
    }
  | { kind: "mprotect"; page: number; aim: number; pages: number; prot: number }
  | { kind: "madvise"; page: number; aim: number; pages: number; advice: MadviseAdvice }
  | { kind: "panic"; page: number; aim: number; pages: number }
  | {
      kind: "write" | "fill" | "read";
      page: number;
      aim: number;
      delta: number;
      length: number;
      seed: number;
    };

/** Advice the generator picks from: every kind, `dontneed` most often (it is the one that changes bytes). */
const ADVICE: readonly MadviseAdvice[] = [
  "dontneed",
  "dontneed",
  "dontneed",
  "willneed",
  "normal",
  "random",
  "sequential",
  "hugepage",
  "nohugepage",
];

/** `count` random operations in a region of `regionPages` pages, all from `seed`. */
export function randomOps(seed: number, count: number, regionPages: number): Op[] {
  const random = new Prng(seed);
  const ops: Op[] = [];
  const page = () => random.range(0, regionPages - 1);
  const aim = () => random.range(0, 9999);
  const pagesFrom = (start: number, most: number) =>
    random.range(1, Math.max(1, Math.min(most, regionPages - start)));
  for (let i = 0; i < count; i++) {
    const roll = random.range(0, 99);
    const at = page();
    if (roll < 20) {
      ops.push({
        kind: "map",
        replace: random.chance(0.5),
        page: at,
        aim: aim(),
        pages: pagesFrom(at, 6),
        prot: random.range(0, 3),
        reserve: random.chance(0.7),
        huge: random.chance(0.15),
        label: random.range(0, 2),
      });
    } else if (roll < 27) {
      ops.push({
        kind: "anywhere",
        pages: random.range(1, 6),
        alignLog: random.range(0, 3),
        prot: random.range(0, 3),
        reserve: random.chance(0.7),
        huge: random.chance(0.15),
        label: random.range(0, 2),
      });
    } else if (roll < 31) {
      ops.push({
        kind: "preferred",
        page: at,
        aim: aim(),
        pages: pagesFrom(at, 4),
        alignLog: random.range(0, 2),
        label: random.range(0, 2),
      });
    } else if (roll < 41) {
      ops.push({ kind: "munmap", page: at, aim: aim(), pages: pagesFrom(at, 5) });
    } else if (roll < 56) {
      const pages = pagesFrom(at, 4);
      ops.push({
        kind: "mremap",
        page: at,
        aim: aim(),
        pages,
        newPages: random.range(1, 8),
        mayMove: random.chance(0.5),
      });
    } else if (roll < 66) {
      ops.push({
        kind: "mprotect",
        page: at,
        aim: aim(),
        pages: pagesFrom(at, 5),
        prot: random.range(0, 3),
      });
    } else if (roll < 74) {
      ops.push({
        kind: "madvise",
        page: at,
        aim: aim(),
        pages: pagesFrom(at, 5),
        advice: random.pick(ADVICE),
      });
    } else if (roll < 77) {
      ops.push({ kind: "panic", page: at, aim: aim(), pages: pagesFrom(at, 5) });
    } else {
      ops.push({
        kind: random.pick(["write", "write", "fill", "read"] as const),
        page: at,
        aim: aim(),
        delta: random.range(-64, 4096 + 64),
        length: random.range(1, 300),
        seed: random.range(0, 65535),
      });
    }
  }
  return ops;
}
