import { KiB, MiB, MmapStrategy } from "@osal/core";
import type { LinearMemory, SbrkFunction } from "../src/index.js";

/** What `WebAssembly.Memory` looks like to the tests (the package avoids the DOM lib). */
export interface TestMemory extends LinearMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

const wasm = (
  globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: { initial: number; maximum: number; shared?: boolean }) => TestMemory;
    };
  }
).WebAssembly;

/** One wasm page. */
export const WASM_PAGE = 64 * KiB;

/** A `WebAssembly.Memory` of `initial` wasm pages that may grow to `maximum`. */
export function newMemory(initial: number, maximum: number, shared = false): TestMemory {
  return new wasm.Memory({ initial, maximum, shared });
}

/**
 * A guest's `sbrk` as Emscripten has it: its own break, growing the memory when the
 * break passes its end, -1 when it cannot. `calls` records every increment.
 */
export class FakeSbrk implements SbrkFunction {
  brk: number;
  readonly calls: number[] = [];
  private readonly memory: TestMemory;

  constructor(memory: TestMemory, brk: number) {
    this.memory = memory;
    this.brk = brk;
  }

  readonly sbrk = (increment: number): number => {
    this.calls.push(increment);
    const old = this.brk;
    const end = old + increment;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      try {
        this.memory.grow(Math.ceil((end - have) / WASM_PAGE));
      } catch {
        return -1;
      }
    }
    this.brk = end;
    return old;
  };

  /** The guest's own malloc taking `bytes` from the break. */
  malloc(bytes: number): number {
    return this.sbrk(bytes);
  }
}

/** The default strategy, for brevity. */
export const RW = MmapStrategy.DEFAULT;
/** MAP_FIXED. */
export const FIXED = MmapStrategy.DEFAULT.withReplace(true);
/** MAP_FIXED_NOREPLACE. */
export const NOREPLACE = MmapStrategy.DEFAULT.withReplace(false);
/** 2 MiB. */
export const TWO_MIB = 2 * MiB;

/** `bytes` bytes of `value`. */
export function filled(bytes: number, value: number): Uint8Array {
  return new Uint8Array(bytes).fill(value);
}

/** True when every byte is `value`. */
export function allEqual(bytes: Uint8Array, value: number): boolean {
  return bytes.every((b) => b === value);
}
