/** The memory calls that {@link MemoryStats} counts. */
export type MemoryCall = "mmap" | "munmap" | "mremap" | "mprotect" | "madvise";

/** The {@link MemoryCall} names, in a stable order. */
export const memoryCalls: readonly MemoryCall[] = [
  "mmap",
  "munmap",
  "mremap",
  "mprotect",
  "madvise",
];

/**
 * What a backend has done so far. Bytes are exact, not estimates: tests and
 * benchmarks compare them.
 */
export interface MemoryStats {
  /** Bytes currently mapped by callers (every protection, reserved or not). */
  readonly mappedBytes: number;
  /** The highest `mappedBytes` has been. */
  readonly peakMappedBytes: number;
  /**
   * Host memory this backend costs now: resident pages for a simulated process,
   * the linear memory size (or the allocator's share of it) for wasm backends.
   */
  readonly footprintBytes: number;
  /** The highest `footprintBytes` has been. */
  readonly peakFootprintBytes: number;
  /** Bytes charged against the commit limit (mappings with `reserve: true`). */
  readonly committedBytes: number;
  /** Bytes the backend itself wrote to make memory read as zero. */
  readonly zeroedBytes: number;
  /**
   * Bytes handed out without the zeroing they would otherwise have had, because
   * the caller asked for `strategy.uninitialized` (`MAP_UNINITIALIZED`).
   */
  readonly uninitializedBytes: number;
  /** Calls made, by kind (the three `dzmmap` calls count as `mmap`). */
  readonly calls: Readonly<Record<MemoryCall, number>>;
  /** Calls that threw, by kind. */
  readonly failedCalls: Readonly<Record<MemoryCall, number>>;
}

/**
 * Bookkeeping for {@link MemoryStats}, shared by backends so every one counts the
 * same way: wrap each call in `track` (or `begin` and `fail`), report levels with `setMapped` /
 * `setFootprint` / `setCommitted`, zeroing with `addZeroed` and dirty pages handed
 * out for `strategy.uninitialized` with `addUninitialized`.
 */
export class StatsRecorder {
  private mapped = 0;
  private peakMapped = 0;
  private footprint = 0;
  private peakFootprint = 0;
  private committed = 0;
  private zeroed = 0;
  private uninitialized = 0;
  // Counts by call, in the order of `memoryCalls` (see `callIndex`).
  private readonly calls = new Float64Array(memoryCalls.length);
  private readonly failed = new Float64Array(memoryCalls.length);

  /** Runs `body` as one `call`: counts it, and counts it as failed if it throws. */
  track<T>(call: MemoryCall, body: () => T): T {
    this.begin(call);
    try {
      return body();
    } catch (error) {
      throw this.fail(call, error);
    }
  }

  /**
   * Counts one `call` as made: the hot calls of core's call path use `begin` and
   * `fail` around their body instead of {@link StatsRecorder.track}, whose
   * closure V8 did not inline there, and counted by name, a megamorphic keyed
   * access: together a quarter of a map+unmap pair, 0.13 of 0.65 µs.
   */
  begin(call: MemoryCall): void {
    const i = callIndex(call);
    this.calls[i] = this.calls[i]! + 1;
  }

  /** Counts `call` as failed and returns `error`, for `throw recorder.fail(call, error)`. */
  fail(call: MemoryCall, error: unknown): unknown {
    const i = callIndex(call);
    this.failed[i] = this.failed[i]! + 1;
    return error;
  }

  /** Sets the bytes currently mapped. */
  setMapped(bytes: number): void {
    this.mapped = bytes;
    if (bytes > this.peakMapped) this.peakMapped = bytes;
  }

  /** Sets the host footprint in bytes. */
  setFootprint(bytes: number): void {
    this.footprint = bytes;
    if (bytes > this.peakFootprint) this.peakFootprint = bytes;
  }

  /** Sets the bytes charged against the commit limit. */
  setCommitted(bytes: number): void {
    this.committed = bytes;
  }

  /** Adds bytes the backend zeroed. */
  addZeroed(bytes: number): void {
    this.zeroed += bytes;
  }

  /** Adds bytes handed out dirty for `strategy.uninitialized`, without zeroing. */
  addUninitialized(bytes: number): void {
    this.uninitialized += bytes;
  }

  /** A frozen copy of the current figures. */
  snapshot(): MemoryStats {
    return Object.freeze({
      mappedBytes: this.mapped,
      peakMappedBytes: this.peakMapped,
      footprintBytes: this.footprint,
      peakFootprintBytes: this.peakFootprint,
      committedBytes: this.committed,
      zeroedBytes: this.zeroed,
      uninitializedBytes: this.uninitialized,
      calls: countsByCall(this.calls),
      failedCalls: countsByCall(this.failed),
    });
  }
}

/**
 * The position of `call` in {@link memoryCalls}, as a switch: cheap on every
 * call (a lookup by name was not). core's stats test checks it follows that order.
 */
function callIndex(call: MemoryCall): number {
  switch (call) {
    case "mmap":
      return 0;
    case "munmap":
      return 1;
    case "mremap":
      return 2;
    case "mprotect":
      return 3;
    case "madvise":
      return 4;
  }
}

/** The counts as a frozen record by call name. */
function countsByCall(counts: Float64Array): Readonly<Record<MemoryCall, number>> {
  const record = {} as Record<MemoryCall, number>;
  memoryCalls.forEach((call, i) => {
    record[call] = counts[i]!;
  });
  return Object.freeze(record);
}
