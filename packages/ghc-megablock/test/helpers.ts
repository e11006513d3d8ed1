import type { LinearMemory } from "@osal/core";

interface WasmGlobal {
  WebAssembly: { Memory: new (d: { initial: number; maximum?: number }) => LinearMemory };
}

/** A real WebAssembly.Memory of `initialPages` 64 KiB pages. */
export function wasmMemory(initialPages: number, maximumPages?: number): LinearMemory {
  const { WebAssembly } = globalThis as unknown as WasmGlobal;
  return maximumPages === undefined
    ? new WebAssembly.Memory({ initial: initialPages })
    : new WebAssembly.Memory({ initial: initialPages, maximum: maximumPages });
}

/** A memory whose `grow` can be made to fail on demand, as a host out of memory would. */
export class FlakyMemory implements LinearMemory {
  failGrow = false;
  growCalls = 0;
  constructor(private readonly inner: LinearMemory) {}
  get buffer(): ArrayBuffer | SharedArrayBuffer {
    return this.inner.buffer;
  }
  grow(deltaPages: number): number {
    this.growCalls++;
    if (this.failGrow) throw new RangeError("WebAssembly.Memory.grow(): out of memory");
    return this.inner.grow(deltaPages);
  }
}
