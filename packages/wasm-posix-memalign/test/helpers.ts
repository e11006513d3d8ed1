import { readFileSync } from "node:fs";
import { KiB, MmapStrategy } from "@osal/core";
import {
  type AlignedAllocator,
  bundledAllocator,
  createWasmPosixMemalign,
  guestAllocator,
  type LinearMemory,
  type WasmPosixMemalign,
} from "../src/index.js";
import { wasm } from "./wasm.js";

export const PAGE = 16 * KiB;
export const RW = MmapStrategy.DEFAULT;
export const FIXED = MmapStrategy.TEST;
export const NONE = MmapStrategy.QUARANTINE;

/** An allocator wrapper that records every call and fails loudly on a double or foreign free. */
export interface SpyAllocator extends AlignedAllocator {
  readonly frees: number[];
  readonly live: Set<number>;
  /** Makes the next alignedAlloc calls return 0. */
  failing: boolean;
}

export function spy(
  inner: AlignedAllocator,
  options: { withRelease?: boolean } = {},
): SpyAllocator {
  const frees: number[] = [];
  const live = new Set<number>();
  const allocator: SpyAllocator = {
    memory: inner.memory,
    maximumBytes: inner.maximumBytes,
    pristineUntilHandedOut: inner.pristineUntilHandedOut,
    frees,
    live,
    failing: false,
    alignedAlloc(align, size) {
      if (allocator.failing) return 0;
      const address = inner.alignedAlloc(align, size);
      if (address !== 0) live.add(address);
      return address;
    },
    free(address) {
      if (!live.delete(address)) throw new Error(`free of ${address}, which is not live`);
      frees.push(address);
      inner.free(address);
    },
  };
  if (options.withRelease && inner.release) {
    return Object.assign(allocator, {
      releaseGranule: inner.releaseGranule,
      release(address: number, size: number) {
        const done = inner.release!(address, size);
        if (done) {
          const end = address + size;
          for (const start of [...live]) {
            if (start >= address && start < end) live.delete(start);
          }
          if (end < inner.memory.buffer.byteLength) live.add(end);
        }
        return done;
      },
    });
  }
  return allocator;
}

/** A backend over the bundled allocator with a small maximum (fast to exhaust). */
export function smallBackend(maximumBytes = 64 * 1024 * KiB): WasmPosixMemalign {
  return createWasmPosixMemalign({ maximumBytes });
}

export function allocatorWasm(): Uint8Array {
  return readFileSync(new URL("../wasm/allocator.wasm", import.meta.url));
}

/** The bundled module instantiated by hand, its exports used the way a guest's would be. */
export function bundledModuleAsGuest(maximumPages = 1024) {
  const memory = new wasm.Memory({ initial: 1, maximum: maximumPages });
  const instance = new wasm.Instance(new wasm.Module(allocatorWasm()), {
    env: { memory },
  });
  return { memory, exports: instance.exports };
}

let guestModule: object | undefined;

/** The wasi-libc (dlmalloc) guest, `wasm/dlmalloc-guest.wasm`: its aligned_alloc/free share the guest's heap. */
export function dlmallocGuest() {
  guestModule ??= new wasm.Module(
    readFileSync(new URL("../wasm/dlmalloc-guest.wasm", import.meta.url)),
  );
  const instance = new wasm.Instance(guestModule, {});
  const exports = instance.exports as Record<string, unknown> & {
    _initialize(): void;
    guest_scribble(size: number, value: number): void;
    memory: LinearMemory;
  };
  exports._initialize();
  return exports;
}

export function guestBackend(exports: Readonly<Record<string, unknown>>, memory?: LinearMemory) {
  return createWasmPosixMemalign({
    allocator: guestAllocator({ exports, memory, maximumBytes: 64 * 1024 * KiB }),
  });
}

export { bundledAllocator };

/** True when every byte is zero (fast: compares words). */
export function allZero(bytes: Uint8Array): boolean {
  const words = Math.floor(bytes.length / 4);
  const view = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
  for (let i = 0; i < words; i++) if (view[i] !== 0) return false;
  for (let i = words * 4; i < bytes.length; i++) if (bytes[i] !== 0) return false;
  return true;
}
