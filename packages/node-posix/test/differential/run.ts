import { MmapStrategy } from "@osal/core";
import { createMockUnix, type MockPageSize, type MockUnix } from "@osal/mock-unix";
import type { NodePosix } from "../../src/index.js";
import {
  apply,
  attributes,
  BEYOND,
  byteDifference,
  describeOp,
  layout,
  type Region,
  resolve,
} from "./compare.js";
import type { Op } from "./ops.js";
import { rangeUsage } from "./smaps.js";

/** Where a sequence first made the two backends disagree. */
export interface Difference {
  /** Index of the operation after which they differed. */
  readonly step: number;
  /** What differed. */
  readonly what: string;
}

/** The region of `real`'s arena, which the sequences run in. */
export function regionOf(real: NodePosix): Region {
  return {
    start: real.arenaStart,
    end: real.addressSpaceEnd,
    pageSize: real.pageSize,
    labels: real.namesVmas,
  };
}

/**
 * A fresh mock-unix laid out like `real`'s arena: same page size, `mmapMinAddr`
 * at the arena start, `mmapBase` at its end, and everything from there up taken
 * by one `NoAccess` mapping so placement has nowhere to go but the region.
 */
export function mockFor(region: Region): MockUnix {
  const mock = createMockUnix({
    pageSize: region.pageSize as MockPageSize,
    mmapMinAddr: region.start,
    mmapBase: region.end,
  });
  const strategy = MmapStrategy.QUARANTINE.withReplace(true);
  mock.dzmmap(region.end, mock.addressSpaceEnd - region.end, strategy, BEYOND);
  return mock;
}

/**
 * Runs `ops` on `real` (emptied first) and on a fresh mock-unix, comparing after
 * every operation: the outcome (return value or error and code), the VMA layout
 * (`/proc/self/maps` for node-posix), the attributes `getMappings()` reports
 * every accessible byte, `mappedBytes` and `committedBytes`; after the last one,
 * with `askKernel`, also the kernel's own `VM_ACCOUNT` bytes from
 * `/proc/self/smaps` (milliseconds to read). Returns the first difference.
 */
export function runSequence(
  real: NodePosix,
  ops: readonly Op[],
  askKernel = true,
  tally?: Map<string, number>,
): Difference | undefined {
  const region = regionOf(real);
  real.munmap(region.start, region.end - region.start);
  const mock = mockFor(region);
  const mockBase = mock.stats().mappedBytes;
  for (const [step, generated] of ops.entries()) {
    const op = resolve(region, mock, generated);
    const expected = apply(region, mock, op);
    const actual = apply(region, real, op);
    if (tally) {
      const key = `${op.kind} ${expected.startsWith("ok") ? "ok" : expected.replace(/ at .*/, "")}`;
      tally.set(key, (tally.get(key) ?? 0) + 1);
    }
    const differ = (what: string, a: unknown, b: unknown): Difference => ({
      step,
      what: `${what}\n    mock-unix:  ${String(a)}\n    node-posix: ${String(b)}`,
    });
    if (expected !== actual) return differ("outcome", expected, actual);
    const mockLayout = layout(region, mock).join("\n                ");
    const realLayout = layout(region, real).join("\n                ");
    if (mockLayout !== realLayout) return differ("VMA layout", mockLayout, realLayout);
    const mockAttributes = attributes(region, mock).join("\n                ");
    const realAttributes = attributes(region, real).join("\n                ");
    if (mockAttributes !== realAttributes) {
      return differ("getMappings attributes", mockAttributes, realAttributes);
    }
    const bytes = byteDifference(region, mock, real);
    if (bytes) return { step, what: bytes };
    const mockStats = mock.stats();
    const realStats = real.stats();
    if (mockStats.mappedBytes - mockBase !== realStats.mappedBytes) {
      return differ("mappedBytes", mockStats.mappedBytes - mockBase, realStats.mappedBytes);
    }
    if (mockStats.committedBytes !== realStats.committedBytes) {
      return differ("committedBytes", mockStats.committedBytes, realStats.committedBytes);
    }
  }
  if (!askKernel || ops.length === 0) return undefined;
  // The kernel's own VM_ACCOUNT bytes: /proc/self/smaps takes milliseconds, so once per sequence.
  const step = ops.length - 1;
  const mockStats = mock.stats();
  const realStats = real.stats();
  const kernel = rangeUsage(region.start, region.end).accountedBytes;
  if (mockStats.committedBytes !== kernel || realStats.committedBytes !== kernel) {
    return {
      step,
      what: `committedBytes (VM_ACCOUNT): mock-unix ${mockStats.committedBytes}, node-posix ${realStats.committedBytes}, /proc/self/smaps ${kernel}`,
    };
  }
  return undefined;
}

/**
 * The shortest sequence found by dropping operations from `ops` while the
 * backends still disagree (one operation at a time, until nothing more can go).
 */
export function shrink(real: NodePosix, ops: readonly Op[]): Op[] {
  let current = [...ops];
  const first = runSequence(real, current);
  if (first) current = current.slice(0, first.step + 1);
  let progress = true;
  while (progress) {
    progress = false;
    for (let i = current.length - 1; i >= 0; i--) {
      const candidate = [...current.slice(0, i), ...current.slice(i + 1)];
      const difference = runSequence(real, candidate);
      if (difference) {
        current = candidate.slice(0, difference.step + 1);
        progress = true;
      }
    }
  }
  return current;
}

/** A failure report: the seed, the difference, and the (shrunk) calls with both outcomes. */
export function report(real: NodePosix, seed: number, ops: readonly Op[]): string {
  const region = regionOf(real);
  const shrunk = shrink(real, ops);
  const difference = runSequence(real, shrunk);
  const mock = mockFor(region);
  real.munmap(region.start, region.end - region.start);
  const lines = shrunk.map((generated, i) => {
    const op = resolve(region, mock, generated);
    const a = apply(region, mock, op);
    const b = apply(region, real, op);
    return `  ${i + 1}. ${describeOp(region, op)} -> mock-unix: ${a}${a === b ? "" : `, node-posix: ${b}`}`;
  });
  return [
    `mock-unix and node-posix differ (seed ${seed}, ${ops.length} operations, shrunk to ${shrunk.length}; region of ${(region.end - region.start) / region.pageSize} pages of ${region.pageSize} bytes)`,
    `after step ${(difference?.step ?? -1) + 1}: ${difference?.what ?? "(the shrunk sequence no longer differs)"}`,
    ...lines,
  ].join("\n");
}
