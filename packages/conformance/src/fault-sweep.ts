import { type Capabilities, hasErrorCode, MmapStrategy, type OSMemory } from "@osal/core";
import { Prng } from "@osal/workloads";
import { diffSnapshots, snapshotMemory } from "./snapshot.js";

/**
 * A fault sweep: a fixed seeded sequence of map / munmap (whole and partial) /
 * mremap / fill calls (plus MAP_FIXED and MAP_FIXED_NOREPLACE past the memory's end
 * where the backend declares them), run once per injected fault. Targets are the
 * blocks the sequence itself mapped (one mapping call each, as a runtime tracks its
 * own), so each run is deterministic for its fault. Every call that throws must
 * throw `ENOMEM` and leave the snapshot (mappings and bytes) as it was.
 */
export interface SweepTarget {
  readonly os: OSMemory & { readonly capabilities: Capabilities };
  readonly pageSize: number;
  /** Bytes the memory holds now (its current end). */
  memoryBytes(): number;
}

/** What one run of the sequence saw. */
export interface SweepRun {
  /** Broken promises: a non-ENOMEM error, or a failed call that changed something. */
  readonly problems: string[];
  /** Calls that threw ENOMEM while the fault was armed. */
  readonly failedByFault: number;
  /** Calls the fault hit that still succeeded (the backend found another way). */
  readonly absorbed: string[];
}

/** The seed of every sweep (fixed: a failure names its fault number, and reruns alike). */
export const SWEEP_SEED = 0x5eed_fa17;
/** Calls in the sequence. */
export const SWEEP_STEPS = 80;

/**
 * Runs the sequence on `target`. `beforeStep` is called before each call (to reset
 * a per-call fault); `fired()` says whether the injected fault fired during it.
 */
export function runSweep(
  target: SweepTarget,
  hooks: { beforeStep?(): void; fired(): boolean } = { fired: () => false },
): SweepRun {
  const { os, pageSize: page } = target;
  const caps = os.capabilities;
  const rng = new Prng(SWEEP_SEED);
  const next = (limit: number): number => rng.int(limit);
  const problems: string[] = [];
  let failedByFault = 0;
  const absorbed: string[] = [];
  let tag = 0;
  const blocks: { start: number; length: number }[] = [];
  for (let step = 0; step < SWEEP_STEPS; step++) {
    const pick = blocks.length === 0 ? 0 : next(100);
    const index = blocks.length === 0 ? 0 : next(blocks.length);
    const block = blocks[index];
    const pages = 1 + next(6);
    const gap = next(3);
    const mayMove = next(4) !== 0;
    const split = next(1 << 16);
    const value = 1 + (++tag % 250);
    let call: () => void;
    let name: string;
    if (block === undefined || pick < 35) {
      name = `map ${pages} pages`;
      call = () => {
        const start = os.dzmmapAnywhere(pages * page, page, MmapStrategy.DEFAULT);
        os.fill(start, pages * page, value);
        blocks.push({ start, length: pages * page });
      };
    } else if (pick < 55) {
      const { start, length } = block;
      const keep =
        length > page && split % 2 === 0 ? page * (1 + (split % (length / page - 1))) : 0;
      name = `munmap ${start + keep}+${length - keep}`;
      call = () => {
        os.munmap(start + keep, length - keep);
        if (keep > 0) block.length = keep;
        else blocks.splice(index, 1);
      };
    } else if (pick < 75) {
      const { start: old, length } = block;
      name = `mremap ${old}+${length} to ${pages} pages${mayMove ? " (may move)" : ""}`;
      call = () => {
        const start = os.mremap(old, length, pages * page, { mayMove });
        if (pages * page > length) os.fill(start + length, pages * page - length, value);
        block.start = start;
        block.length = pages * page;
      };
    } else if (pick < 85 && (caps.fixed || caps.noReplace)) {
      const start = target.memoryBytes() + gap * page;
      const replace = caps.fixed && (!caps.noReplace || split % 2 === 0);
      name = `${replace ? "MAP_FIXED" : "MAP_FIXED_NOREPLACE"} ${start}+${pages} pages`;
      call = () => {
        if (start + pages * page > os.addressSpaceEnd) return;
        os.dzmmap(start, pages * page, MmapStrategy.DEFAULT.withReplace(replace));
        os.fill(start, pages * page, value);
        blocks.push({ start, length: pages * page });
      };
    } else {
      name = `fill ${block.start}+${block.length}`;
      call = () => os.fill(block.start, block.length, value);
    }
    hooks.beforeStep?.();
    const before = snapshotMemory(os);
    try {
      call();
      if (hooks.fired()) absorbed.push(name);
    } catch (error) {
      if (!hasErrorCode(error, "ENOMEM")) {
        problems.push(`step ${step} ${name}: ${String(error)}`);
      } else if (hooks.fired()) {
        failedByFault++;
      }
      const diff = diffSnapshots(before, snapshotMemory(os));
      if (diff.length > 0) problems.push(`step ${step} ${name} failed but changed: ${diff[0]}`);
    }
  }
  return { problems, failedByFault, absorbed };
}

/** Unmaps every mapping left, as a program exiting would. */
export function unmapAll(os: OSMemory): void {
  for (const mapping of os.getMappings()) os.munmap(mapping.start, mapping.end - mapping.start);
}
