/**
 * A mutex in one `Int32Array` word of the shared state (Drepper's three-state
 * futex lock: 0 free, 1 held, 2 held with waiters). Every worker attached to the
 * state takes it around each call, so page table, index and frontier change as
 * one. Where `Atomics.wait` is not allowed (a browser's main thread, or state in a
 * plain `ArrayBuffer`) a waiter spins instead.
 */
export class StateLock {
  private readonly words: Int32Array;
  private readonly index: number;
  private readonly canWait: boolean;

  /** A lock on `words[index]`. */
  constructor(words: Int32Array, index: number) {
    this.words = words;
    this.index = index;
    this.canWait = probeWait(words);
  }

  /** Takes the lock, waiting for other workers as long as it takes. */
  acquire(): void {
    const words = this.words;
    const index = this.index;
    let c = Atomics.compareExchange(words, index, 0, 1);
    if (c === 0) return;
    if (c !== 2) c = Atomics.exchange(words, index, 2);
    while (c !== 0) {
      if (this.canWait) Atomics.wait(words, index, 2);
      c = Atomics.exchange(words, index, 2);
    }
  }

  /** Releases the lock and wakes one waiter if there is one. */
  release(): void {
    const words = this.words;
    const index = this.index;
    if (Atomics.sub(words, index, 1) !== 1) {
      Atomics.store(words, index, 0);
      if (this.canWait) Atomics.notify(words, index, 1);
    }
  }
}

function probeWait(words: Int32Array): boolean {
  if (typeof SharedArrayBuffer === "undefined" || !(words.buffer instanceof SharedArrayBuffer)) {
    return false;
  }
  try {
    // A zero timeout on a value that differs returns at once where waiting is allowed.
    Atomics.wait(words, 0, -123456, 0);
    return true;
  } catch {
    return false;
  }
}
