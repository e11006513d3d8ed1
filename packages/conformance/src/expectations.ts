import { type ErrnoCode, hex, MemoryFault, MmapError, OSError, type OSMemory } from "@osal/core";
import { expect } from "vitest";
import { firstDifference } from "./first-difference.js";
import { diffSnapshots, type MemorySnapshot, snapshotMemory } from "./snapshot.js";

/**
 * Assertions the suites share. Each fails with a message that names the call and
 * the address, so a backend author can see what went wrong without a debugger.
 */

/** Runs `call`, which must throw; returns what it threw (fails the test if nothing was thrown). */
export function thrownBy(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to throw, but it returned normally");
}

/** Asserts `call` throws an `MmapError` with `code`; returns the error. */
export function expectMmapError(call: () => unknown, code: ErrnoCode): MmapError {
  const error = thrownBy(call);
  expect(describeError(error)).toMatch(new RegExp(`^(MmapError|MemoryFault) ${code}\\b`));
  return error as MmapError;
}

/** Asserts `call` throws an `OSError` (or subclass) with `code`; returns the error. */
export function expectOSError(call: () => unknown, code: ErrnoCode): OSError {
  const error = thrownBy(call);
  expect(error instanceof OSError ? error.code : describeError(error)).toBe(code);
  return error as OSError;
}

/**
 * Asserts `call` throws a `MemoryFault` (`EFAULT`) for `reason`, and when
 * `faultAddress` is given that it names that first inaccessible byte.
 */
export function expectFault(
  call: () => unknown,
  reason: "unmapped" | "protection",
  faultAddress?: number,
): MemoryFault {
  const error = thrownBy(call);
  expect(describeError(error)).toMatch(/^MemoryFault EFAULT\b/);
  const fault = error as MemoryFault;
  expect(fault.reason).toBe(reason);
  if (faultAddress !== undefined) expect(hex(fault.faultAddress)).toBe(hex(faultAddress));
  return fault;
}

/** `"MmapError ENOMEM: …"` for an osal error, the constructor name and message for anything else. */
export function describeError(error: unknown): string {
  if (error instanceof MemoryFault) return `MemoryFault ${error.code}: ${error.message}`;
  if (error instanceof MmapError) return `MmapError ${error.code}: ${error.message}`;
  if (error instanceof OSError) return `OSError ${error.code}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-error value ${String(error)}`;
}

/** Asserts the bytes at `address` are `expected`, reporting the first difference. */
export function expectBytes(os: OSMemory, address: number, expected: Uint8Array): void {
  const actual = os.read(address, expected.length);
  expect(actual.length).toBe(expected.length);
  expect(describeDifference(address, actual, expected)).toBe("same");
}

/** Asserts `length` bytes at `address` all read as zero. */
export function expectZero(os: OSMemory, address: number, length: number): void {
  expectBytes(os, address, new Uint8Array(length));
}

/** Asserts no page of `[start, start + size)` is mapped: not listed, and a read faults. */
export function expectUnmapped(os: OSMemory, start: number, size: number): void {
  const listed = os
    .getMappings()
    .filter((m) => m.start < start + size && start < m.end)
    .map((m) => `${hex(m.start)}-${hex(m.end)}`);
  expect(listed).toEqual([]);
  for (let page = start; page < start + size; page += os.pageSize) {
    expectFault(() => os.read(page, 1), "unmapped", page);
  }
}

/** Asserts nothing changed between `before` and now (mappings and bytes). */
export function expectUnchanged(os: OSMemory, before: MemorySnapshot): void {
  expect(diffSnapshots(before, snapshotMemory(os))).toEqual([]);
}

/** Runs `call`, which must fail with `code`, and asserts it changed no mapping or byte. */
export function expectFailsCleanly(os: OSMemory, call: () => unknown, code: ErrnoCode): MmapError {
  const before = snapshotMemory(os);
  const error = expectMmapError(call, code);
  expectUnchanged(os, before);
  return error;
}

function describeDifference(address: number, actual: Uint8Array, expected: Uint8Array): string {
  const i = firstDifference(actual, expected);
  if (i < 0) return "same";
  return `byte at ${hex(address + i)} is ${hex(actual[i] ?? 0)}, expected ${hex(expected[i] ?? 0)}`;
}
