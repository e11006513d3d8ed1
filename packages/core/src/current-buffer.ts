import { isSharedMemory, type LinearMemory } from "./linear-memory.js";
import { growMemoryPages } from "./memory64.js";

/*
 * Note [A shared memory's length in another thread]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * When one thread grows a shared WebAssembly.Memory, the other threads'
 * `memory.buffer` keeps the old length until that thread's V8 handles an
 * interrupt (V8 11, Node 20; Node 24 updates it at once). Measured: a worker
 * blocked in Atomics.wait while the main thread grew the memory by 10 pages
 * still read 65536 from `memory.buffer.byteLength`; `memory.grow(0)` returned
 * 11 and refreshed its buffer to 720896. A view made over the stale buffer is
 * too short, and `copyWithin`/`fill`/`set` past its end do nothing, silently:
 * ghc-megablock's moving mremap lost the bytes it copied into megablocks another
 * worker had grown (workers.test.ts, 1 in ~20 runs of 64 MiB).
 * So wherever the length matters on a shared memory, `memory.grow(0)` is asked
 * first: 1.25 µs against 0.28 µs for `buffer.byteLength` (100 000 calls, this
 * machine), paid only on shared memories, and only on the paths below.
 */

/**
 * The memory's buffer as long as the memory is now, also in a thread that did
 * not grow it (see Note [A shared memory's length in another thread]). A
 * non-shared memory's `buffer` is always current and is returned as it is.
 */
export function currentBuffer(memory: LinearMemory): ArrayBuffer | SharedArrayBuffer {
  if (!isSharedMemory(memory)) return memory.buffer;
  growMemoryPages(memory, 0);
  return memory.buffer;
}

/** The memory's length in bytes now, also in a thread that did not grow it. */
export function currentByteLength(memory: LinearMemory): number {
  return currentBuffer(memory).byteLength;
}
