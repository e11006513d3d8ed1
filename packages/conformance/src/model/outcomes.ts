import { hex, MmapError, type OperatingSystem } from "@osal/core";
import { describeError } from "../expectations.js";
import { firstDifference } from "../first-difference.js";
import type { MemoryModel, ModelRange } from "./memory-model.js";

/**
 * What the model's commands check a call's outcome with, and how they aim at
 * the model's ranges: shared by every command, kept apart from the commands
 * themselves.
 */

/** A failure of the backend against the model, with the call in the message. */
export class ModelMismatch extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ModelMismatch";
  }
}

/** `[start, start + pages)` inside the address space, `offset` pages into the picked range. */
export function aimAt(
  model: MemoryModel,
  ranges: readonly ModelRange[],
  pick: number,
  offset: number,
  pages: number,
): ModelRange {
  const p = model.pageSize;
  const range = pickFrom(ranges, pick);
  const start = range.start + (offset % (range.size / p + 1)) * p;
  const size = Math.max(p, Math.min(pages * p, model.addressSpaceEnd - start));
  return { start: Math.min(start, model.addressSpaceEnd - p), size };
}

/** True when one entry of the backend's `getMappings()` covers the whole range. */
export function listedAsOne(os: OperatingSystem, range: ModelRange): boolean {
  return os.getMappings().some((m) => m.start <= range.start && range.start + range.size <= m.end);
}

/** The range `pick` chooses (modulo their count). */
export function pickFrom(ranges: readonly ModelRange[], pick: number): ModelRange {
  return ranges[pick % ranges.length]!;
}

/** Runs `call`; returns what it threw, or `undefined`. */
export function attempt(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

/** "success" or the error, for mismatch messages. */
export function describeOutcome(error: unknown): string {
  return error === undefined ? "success" : describeError(error);
}

/** Runs `call`, which the model says succeeds; a throw is a {@link ModelMismatch}. */
export function succeed<T>(description: string, call: () => T): T {
  try {
    return call();
  } catch (error) {
    throw new ModelMismatch(`${description}: expected success, got ${describeError(error)}`);
  }
}

/** Runs `call`, which the model says fails with `code` (the byte and layout checks after it prove nothing changed). */
export function failCleanly(description: string, code: string, call: () => unknown): void {
  const error = attempt(call);
  if (!(error instanceof MmapError) || error.code !== code) {
    throw new ModelMismatch(
      `${description}: expected MmapError ${code}, got ${describeOutcome(error)}`,
    );
  }
}

/** A new or moved range must be aligned, free in `model` and inside the address space. */
export function expectFreshRange(
  description: string,
  model: MemoryModel,
  start: number,
  size: number,
  align: number,
): void {
  if (!Number.isSafeInteger(start) || start % align !== 0) {
    throw new ModelMismatch(`${description}: address is not aligned to ${hex(align)}`);
  }
  if (!model.isFree(start, size)) {
    throw new ModelMismatch(
      `${description}: overlaps an existing mapping or the end of the address space`,
    );
  }
}

/** Throws a {@link ModelMismatch} naming the first byte where `actual` differs from `expected`. */
export function expectSameBytes(
  description: string,
  address: number,
  actual: Uint8Array,
  expected: Uint8Array,
): void {
  const i = firstDifference(actual, expected);
  if (i >= 0) {
    throw new ModelMismatch(
      `${description}: byte at ${hex(address + i)} is ${String(actual[i])}, the model says ${String(expected[i])}`,
    );
  }
}
