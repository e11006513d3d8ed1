import type { LinearMemory } from "@osal/core";

/**
 * One thread's view of a shared memory as V8 11 (Node 20) gives it, in one
 * thread: `buffer` keeps the length it had when this view last grew the memory
 * (or was made), however much others grew it since, until this view's `grow`
 * is called (`grow(0)` too). Two views over one memory, each under a backend
 * attached to one state, are two workers at the worst moment, every time: in
 * real workers the stale length lasts only until the thread handles an
 * interrupt (Note [A shared memory's length in another thread], core's
 * current-buffer.ts), so a test with workers hits it now and then.
 */
export function threadView(memory: LinearMemory): LinearMemory {
  let seen = memory.buffer;
  return {
    get buffer() {
      return seen;
    },
    grow(deltaPages: number): number {
      const old = memory.grow(deltaPages);
      seen = memory.buffer;
      return old;
    },
  };
}
