import { release } from "node:os";
import { afterAll, describe, expect, it } from "vitest";
import { createNodePosix } from "../src/index.js";
import { Linux, loadLibc } from "../src/libc.js";
import { randomOps } from "./differential/ops.js";
import { report, runSequence } from "./differential/run.js";

/**
 * The differential test: the same seeded random sequences on mock-unix and on
 * the real kernel (node-posix), compared after every operation. Scale with
 * `OSAL_DIFF_SEQUENCES` (default 300, 10 000 when `CI` is set),
 * `OSAL_DIFF_STEPS` (most operations per sequence, default 24) and
 * `OSAL_DIFF_SEED` (first seed; sequence i uses seed + i and has
 * 1 + (seed mod steps) operations). A failure prints the seed and the
 * shrunk sequence with both backends' outcomes.
 */
const env = process.env;
const SEQUENCES = count(env.OSAL_DIFF_SEQUENCES, env.CI ? 10_000 : 300);
const STEPS = Math.max(1, count(env.OSAL_DIFF_STEPS, 24));
const SEED = count(env.OSAL_DIFF_SEED, 0x0d1ff);
const REGION_PAGES = 24;

function count(value: string | undefined, fallback: number): number {
  if (value === undefined || value === "") return fallback;
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) {
    throw new RangeError(`expected a non-negative integer, got ${value}`);
  }
  return parsed;
}

describe("mock-unix against the real kernel (node-posix)", () => {
  const pageSize = loadLibc().sysconf(Linux.SC_PAGESIZE);
  const real = createNodePosix({ arenaSize: REGION_PAGES * pageSize });
  afterAll(() => real.close());

  it(`${SEQUENCES} sequences of up to ${STEPS} operations (seeds ${SEED}..${SEED + SEQUENCES - 1}) agree after every step`, () => {
    let operations = 0;
    const tally = new Map<string, number>();
    for (let i = 0; i < SEQUENCES; i++) {
      const seed = SEED + i;
      const ops = randomOps(seed, 1 + (seed % STEPS), REGION_PAGES);
      operations += ops.length;
      // /proc/self/smaps costs milliseconds: ask the kernel for VM_ACCOUNT every 4th sequence.
      if (runSequence(real, ops, seed % 4 === 0, tally)) {
        expect.fail(
          `${report(real, seed, ops)}\n(Linux ${release()}; mock-unix models the kernel as of Linux 6.18, see the README)`,
        );
      }
    }
    const outcomes = [...tally.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, n]) => `${key}: ${n}`)
      .join(", ");
    console.info(
      `differential on Linux ${release()}: ${SEQUENCES} sequences, ${operations} operations, no difference (${outcomes})`,
    );
  }, 600_000);
});
