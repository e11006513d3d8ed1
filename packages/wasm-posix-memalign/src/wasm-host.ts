/** The size of a WebAssembly page, the unit of `memory.grow`: 64 KiB. */
export const WASM_PAGE_SIZE = 65536;

/** The most a wasm32 memory can hold: 65536 pages, 4 GiB. */
export const WASM32_MAX_BYTES = 65536 * WASM_PAGE_SIZE;

/**
 * The part of a `WebAssembly.Memory` this package uses. Declared structurally so
 * the package needs neither the DOM lib nor a wasm runtime's types; any real
 * `WebAssembly.Memory` satisfies it.
 */
export interface LinearMemory {
  /** The current bytes; replaced (the old one detached) whenever the memory grows. */
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  /** Grows by `deltaPages` 64 KiB pages and returns the old size in pages; throws on failure. */
  grow(deltaPages: number): number;
}

/** The parts of the host's `WebAssembly` namespace this package uses. */
export interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => LinearMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: Record<string, unknown> };
}

/** The host's `WebAssembly`, or `undefined` where there is none. */
export function hostWebAssembly(): WebAssemblyApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
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
 * type-reflection proposal's `memory.type()`), otherwise `undefined`.
 */
export function declaredMaximumBytes(memory: LinearMemory): number | undefined {
  const reflect = (memory as { type?: () => { maximum?: number } }).type;
  if (typeof reflect !== "function") return undefined;
  try {
    const maximum = reflect.call(memory).maximum;
    return typeof maximum === "number" ? maximum * WASM_PAGE_SIZE : undefined;
  } catch {
    return undefined;
  }
}
