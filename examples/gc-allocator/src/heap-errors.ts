import { formatBytes } from "@osal/core";

/** Why an allocation failed: see {@link HeapOutOfMemoryError.reason}. */
export type OutOfMemoryReason = "heap-full" | "os-refused" | "too-large";

/**
 * An allocation the heap cannot satisfy. The heap is unchanged and usable: drop
 * roots and `collect()`, then allocate again. `reason` says what ran out:
 * - `heap-full`: every block of the reservation is committed and none has room;
 * - `os-refused`: the backend would not commit another block (`isMmapOom`), the
 *   backend's `MmapError` is the `cause`;
 * - `too-large`: the object does not fit in one block, however empty the heap.
 */
export class HeapOutOfMemoryError extends Error {
  /** What ran out. */
  readonly reason: OutOfMemoryReason;
  /** Size in bytes of the object that could not be allocated (header included). */
  readonly requestedBytes: number;

  constructor(reason: OutOfMemoryReason, requestedBytes: number, cause?: unknown) {
    super(`heap out of memory (${reason}) allocating ${formatBytes(requestedBytes)}`, { cause });
    this.name = "HeapOutOfMemoryError";
    this.reason = reason;
    this.requestedBytes = requestedBytes;
  }
}

/**
 * A value used as an object reference that is not one: outside the heap, in a
 * block that was returned to the OS, or not at the start of an object. Raised
 * before anything is read or written.
 */
export class InvalidReferenceError extends Error {
  /** The value that was passed as a reference. */
  readonly reference: number;

  constructor(reference: number, detail: string) {
    super(`invalid object reference ${reference}: ${detail}`);
    this.name = "InvalidReferenceError";
    this.reference = reference;
  }
}
