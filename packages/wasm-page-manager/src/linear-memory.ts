import { MmapError } from "@osal/core";

/** The unit of `memory.grow`: 64 KiB. */
export const WASM_PAGE_BYTES = 65536;

/** The most a wasm32 memory can hold: 65536 wasm pages, 4 GiB. */
export const WASM32_MAX_BYTES = 65536 * WASM_PAGE_BYTES;

/**
 * The part of a `WebAssembly.Memory` the page manager uses. Declared
 * structurally so the package needs neither the DOM lib nor a wasm runtime's
 * types; every real `WebAssembly.Memory` satisfies it.
 */
export interface LinearMemory {
  /** The current bytes (a fresh buffer after every growth). */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Grows by `delta` 64 KiB pages and returns the old size in pages; throws when it cannot. */
  grow(delta: number): number;
}

interface WasmNamespace {
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => LinearMemory;
}

/**
 * A new, empty `WebAssembly.Memory` that may grow to `maximumBytes` (a multiple of
 * 64 KiB), shared between workers when `shared`. `ENOTSUP` where the host has no
 * WebAssembly.
 */
export function createLinearMemory(maximumBytes: number, shared: boolean): LinearMemory {
  const wasm = (globalThis as { WebAssembly?: WasmNamespace }).WebAssembly;
  if (wasm === undefined) {
    throw new MmapError({
      code: "ENOTSUP",
      syscall: "mmap",
      detail: "this host has no WebAssembly.Memory",
    });
  }
  return new wasm.Memory({ initial: 0, maximum: maximumBytes / WASM_PAGE_BYTES, shared });
}

/** True when `value` looks like a `WebAssembly.Memory`. */
export function isLinearMemory(value: unknown): value is LinearMemory {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as { buffer?: unknown; grow?: unknown };
  return typeof candidate.grow === "function" && typeof candidate.buffer === "object";
}

/** True when the memory was created with `shared: true`. */
export function isSharedMemory(memory: LinearMemory): boolean {
  return typeof SharedArrayBuffer !== "undefined" && memory.buffer instanceof SharedArrayBuffer;
}

/** The memory's declared maximum in bytes where the host reflects it (`memory.type()`). */
export function reflectedMaximumBytes(memory: LinearMemory): number | undefined {
  const type = (memory as { type?: () => { maximum?: number } }).type;
  if (typeof type !== "function") return undefined;
  try {
    const maximum = type.call(memory).maximum;
    return typeof maximum === "number" ? maximum * WASM_PAGE_BYTES : undefined;
  } catch {
    return undefined;
  }
}
