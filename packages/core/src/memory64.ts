import { MmapError } from "./errors.js";
import type { LinearMemory } from "./linear-memory.js";

// Local copies: linear-memory.ts imports this module, so its values are not read here.
const WASM_PAGE_SIZE = 65536;
const WASM32_MAX_BYTES = 2 ** 32;

/**
 * The largest maximum a memory64 memory may declare to an osal backend: the
 * last 64 KiB boundary below 2^53, so that every address and size stays an
 * exact JS number. Hosts refuse far less today (V8 and so Node 24 and
 * Chromium: 16 GiB, {@link MEMORY64_HOST_MAX_BYTES}).
 */
export const MEMORY64_MAX_BYTES = 2 ** 53 - WASM_PAGE_SIZE;

/**
 * The most a memory64 memory can grow to in today's hosts (V8's limit of
 * 262144 WebAssembly pages, 16 GiB): the default maximum of a memory64 memory
 * whose host cannot tell its declared maximum.
 */
export const MEMORY64_HOST_MAX_BYTES = 16 * 2 ** 30;

/** An address or size in a memory64 memory's JS API: page counts are BigInts there. */
interface Memory64 {
  grow(deltaPages: bigint): bigint;
  type?: () => { address?: string; index?: string };
}

const known = new WeakMap<object, boolean>();

/**
 * True when `memory` is a memory64 (`address: "i64"`) memory, whose `grow`
 * takes and returns BigInt page counts. Uses the type-reflection `type()` where
 * the host has it; otherwise, for a real `WebAssembly.Memory`, asks `grow` for
 * 2^48 pages as a BigInt, which a memory64 memory refuses with a `RangeError`
 * (too large, nothing grown, the buffer kept) and a memory32 one with a
 * `TypeError` (a BigInt is no number). Any other object is memory32 unless its
 * `type()` says `address: "i64"`. The answer is cached per memory.
 */
export function isMemory64(memory: LinearMemory): boolean {
  const cached = known.get(memory);
  if (cached !== undefined) return cached;
  const answer = probe(memory as unknown as Memory64);
  known.set(memory, answer);
  return answer;
}

function probe(memory: Memory64): boolean {
  if (typeof memory.type === "function") {
    try {
      const type = memory.type();
      const address = type.address ?? type.index;
      if (address !== undefined) return address === "i64";
    } catch {
      // Not a real WebAssembly.Memory's reflection: probe below.
    }
  }
  // Only a real WebAssembly.Memory is probed: a wrapper's `grow` may count or
  // refuse calls of its own, and is memory32 unless its `type()` says otherwise.
  const wasm = (
    globalThis as { WebAssembly?: { Memory: abstract new (...args: never[]) => object } }
  ).WebAssembly;
  if (wasm === undefined || !(memory instanceof wasm.Memory)) return false;
  try {
    memory.grow(2n ** 48n);
  } catch (error) {
    return error instanceof RangeError;
  }
  return false;
}

/**
 * Grows `memory` by `deltaPages` 64 KiB pages and returns its old size in
 * pages, as a number on memory32 and memory64 memories alike (a memory64
 * memory's `grow` speaks BigInt). Throws what `memory.grow` throws.
 */
export function growMemoryPages(memory: LinearMemory, deltaPages: number): number {
  if (!isMemory64(memory)) return memory.grow(deltaPages);
  return Number((memory as unknown as Memory64).grow(BigInt(deltaPages)));
}

/**
 * The largest maximum a backend accepts for `memory`: 4 GiB for a memory32
 * memory, {@link MEMORY64_MAX_BYTES} for a memory64 one. Without a memory (the
 * backend creates one, memory64 above 4 GiB), {@link MEMORY64_MAX_BYTES} where
 * the host has memory64 and 4 GiB where it has not (Node 20).
 */
export function maximumBytesLimit(memory: LinearMemory | undefined): number {
  const memory64 = memory === undefined ? hostHasMemory64() : isMemory64(memory);
  return memory64 ? MEMORY64_MAX_BYTES : WASM32_MAX_BYTES;
}

let hostMemory64: boolean | undefined;

/** True when this host can create memory64 memories (Node 24+, current browsers; not Node 20). */
export function hostHasMemory64(): boolean {
  if (hostMemory64 === undefined) {
    try {
      createMemory64(WASM_PAGE_SIZE, false);
      hostMemory64 = true;
    } catch {
      hostMemory64 = false;
    }
  }
  return hostMemory64;
}

/**
 * The default maximum for `memory` when neither the host nor the caller
 * tells it: 4 GiB for memory32, {@link MEMORY64_HOST_MAX_BYTES} for memory64.
 */
export function defaultMaximumBytes(memory: LinearMemory): number {
  return isMemory64(memory) ? MEMORY64_HOST_MAX_BYTES : WASM32_MAX_BYTES;
}

/**
 * A new `WebAssembly.Memory` with `address: "i64"` (memory64) that may grow
 * to `maximumBytes`; the descriptor's page counts are BigInts, as the JS API
 * wants for memory64. Throws `MmapError` `ENOTSUP` where the host has no
 * memory64 (Node 20 without `--experimental-wasm-memory64`).
 */
export function createMemory64(maximumBytes: number, shared: boolean): LinearMemory {
  const wasm = (globalThis as { WebAssembly?: { Memory: new (d: object) => LinearMemory } })
    .WebAssembly;
  try {
    if (wasm === undefined) throw new Error("no WebAssembly");
    const memory = new wasm.Memory({
      address: "i64",
      initial: 0n,
      maximum: BigInt(maximumBytes / WASM_PAGE_SIZE),
      shared,
    });
    // A host that ignores `address` would have made a memory32 memory.
    if (!isMemory64(memory)) throw new Error("the host made a memory32 memory");
    return memory;
  } catch (cause) {
    throw new MmapError({
      code: "ENOTSUP",
      syscall: "mmap",
      cause,
      detail: `this host cannot create a memory64 WebAssembly.Memory of ${maximumBytes} bytes (Node 24+ or a current browser can; a memory32 one holds at most 4 GiB)`,
    });
  }
}
