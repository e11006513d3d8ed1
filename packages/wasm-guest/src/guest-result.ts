/**
 * The figures a guest prints as its last `OSAL-RESULT {json}` line (see
 * `guests/common/guest.h`): what it ran, how it ended and what it measured.
 */
export interface GuestResult {
  /** SPEC section 6 workload: `zend`, `sgen`, `coreclr`, `ghc`, `mmtk`. */
  readonly workload: string;
  /** `wasi` (clang + wasi-libc) or `emscripten`. */
  readonly toolchain: string;
  /** `osal` (the imports) or `libc` (the libc's own mmap). */
  readonly mman: string;
  /** `ok`, `out-of-memory`, `call-failed` or `check-failed`. */
  readonly status: "ok" | "out-of-memory" | "call-failed" | "check-failed";
  /** Steps asked for. */
  readonly steps: number;
  /** Steps done: all of them, or the step it stopped at. */
  readonly completedSteps: number;
  /** Granule the workload aligned to. */
  readonly page: number;
  /** Bytes the workload held at the end. */
  readonly liveBytes: number;
  /** The most bytes it held at once. */
  readonly peakLiveBytes: number;
  /** Linear memory at the end (`memory.size` × 64 KiB). */
  readonly memoryBytes: number;
  /** The largest linear memory seen (sampled after every call and step). */
  readonly peakMemoryBytes: number;
  /** Calls made, by name. */
  readonly calls: Readonly<Record<"mmap" | "munmap" | "mremap" | "mprotect" | "madvise", number>>;
  /** Calls that failed, by name. */
  readonly failedCalls: Readonly<
    Record<"mmap" | "munmap" | "mremap" | "mprotect" | "madvise", number>
  >;
  /** `completed`, or where and why it stopped. */
  readonly message: string;
  /**
   * zend only: its alignment floor, the most 2 MiB slots its chunks and huge
   * blocks held at once × 2 MiB — the lowest peak memory any placement of
   * 2 MiB-aligned blocks could reach. Absent for the other workloads.
   */
  readonly floorBytes?: number;
}

/** The prefix of the result line. */
export const RESULT_PREFIX = "OSAL-RESULT ";

/**
 * The last `OSAL-RESULT` line of a guest's stdout, parsed; `undefined` when
 * there is none (the guest trapped before printing it). A line that is not
 * valid JSON throws a `SyntaxError`: the guest and the host disagree.
 */
export function parseGuestResult(stdout: string): GuestResult | undefined {
  const line = stdout
    .split("\n")
    .filter((l) => l.startsWith(RESULT_PREFIX))
    .at(-1);
  return line === undefined
    ? undefined
    : (JSON.parse(line.slice(RESULT_PREFIX.length)) as GuestResult);
}
