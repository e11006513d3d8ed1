import type { OperatingSystem } from "@osal/core";
import { createMockUnix } from "@osal/mock-unix";
import type { Heap } from "../src/heap.js";
import { type Backends, createHeapOS, type Target } from "../src/targets.js";

/** The test target's backend: mock-unix, passed in because it is a devDependency. */
export const testBackends: Backends = { test: () => createMockUnix() };

/** Both targets, for `describe.each`: the same heap code must pass on each. */
export const targets: readonly { readonly target: Target; readonly make: () => OperatingSystem }[] =
  [
    { target: "test", make: () => createHeapOS("test", testBackends) },
    { target: "production", make: () => createHeapOS("production") },
  ];

/** `[start, end)` ranges with touching neighbours joined. */
export function joined(ranges: readonly { start: number; end: number }[]): [number, number][] {
  const out: [number, number][] = [];
  for (const { start, end } of ranges) {
    const last = out.at(-1);
    if (last !== undefined && last[1] === start) last[1] = end;
    else out.push([start, end]);
  }
  return out;
}

/** What the backend says is readable and writable inside the heap's reservation. */
export function accessibleInHeap(os: OperatingSystem, heap: Heap): [number, number][] {
  const { start, size } = heap.layout;
  return joined(
    os
      .getMappings()
      .filter((m) => m.prot === "ReadWrite" && m.start >= start && m.end <= start + size),
  );
}

/** `length` bytes that depend on `seed`. */
export function pattern(seed: number, length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = (seed * 131 + i * 17 + 1) & 0xff;
  return bytes;
}

/** True when both arrays hold the same bytes (fast, for large objects in loops). */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}
