import { MmapError } from "./errors.js";
import { createMemory64 } from "./memory64.js";

/** The unit of `memory.grow`: one WebAssembly page, 64 KiB. */
export const WASM_PAGE_SIZE = 65536;

/** The most a wasm32 memory can hold: 65536 WebAssembly pages, 4 GiB. */
export const WASM32_MAX_BYTES = 65536 * WASM_PAGE_SIZE;

/**
 * The part of a `WebAssembly.Memory` wasm backends use: its buffer and `grow`.
 * Declared structurally so packages need neither the DOM lib nor a wasm
 * runtime's types; every real `WebAssembly.Memory` satisfies it.
 */
export interface LinearMemory {
  /** The current bytes; replaced (the old one detached) whenever the memory grows. */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Grows by `deltaPages` 64 KiB pages and returns the old size in pages; throws on failure. */
  grow(deltaPages: number): number;
}

interface WasmMemoryConstructor {
  new (descriptor: { initial: number; maximum?: number; shared?: boolean }): LinearMemory;
}

/**
 * A new, empty `WebAssembly.Memory` that may grow to `maximumBytes` (a multiple of
 * 64 KiB), shared between workers when `shared`: a memory32 one up to 4 GiB, a
 * memory64 one (`address: "i64"`) above, see `createMemory64`. Throws an
 * `MmapError` `ENOTSUP` where the host has no WebAssembly (or no memory64).
 */
export function createLinearMemory(maximumBytes: number, shared = false): LinearMemory {
  if (maximumBytes > WASM32_MAX_BYTES) return createMemory64(maximumBytes, shared);
  const wasm = (globalThis as { WebAssembly?: { Memory: WasmMemoryConstructor } }).WebAssembly;
  if (wasm === undefined) {
    throw new MmapError({ code: "ENOTSUP", syscall: "mmap", detail: "this host has no WebAssembly.Memory" });
  }
  return new wasm.Memory({ initial: 0, maximum: maximumBytes / WASM_PAGE_SIZE, shared });
}

/** True when `value` looks like a `WebAssembly.Memory` (has a buffer and `grow`). */
export function isLinearMemory(value: unknown): value is LinearMemory {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { buffer?: unknown; grow?: unknown };
  return typeof candidate.grow === "function" && typeof candidate.buffer === "object";
}

/** True when the memory is shared between threads (created with `shared: true`). */
export function isSharedMemory(memory: LinearMemory): boolean {
  return typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
}

/**
 * The memory's declared maximum in bytes where the host can tell (the
 * type-reflection proposal's `memory.type()`), otherwise `undefined`: Node 20
 * cannot, so backends also take the maximum as an option.
 */
export function declaredMaximumBytes(memory: LinearMemory): number | undefined {
  const reflect = (memory as { type?: () => { maximum?: number | bigint } }).type;
  if (typeof reflect !== "function") return undefined;
  try {
    // A memory64 memory reflects its page counts as BigInts.
    const maximum = reflect.call(memory).maximum;
    if (typeof maximum === "bigint") return Number(maximum) * WASM_PAGE_SIZE;
    return typeof maximum === "number" ? maximum * WASM_PAGE_SIZE : undefined;
  } catch {
    return undefined;
  }
}
