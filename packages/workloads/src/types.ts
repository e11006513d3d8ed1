/** The SPEC section 6 workloads, by name. */
export type WorkloadName = "zend" | "sgen" | "coreclr" | "ghc" | "mmtk";

/** Every {@link WorkloadName}, in the order tables list them. */
export const workloadNames: readonly WorkloadName[] = Object.freeze([
  "zend",
  "sgen",
  "coreclr",
  "ghc",
  "mmtk",
]);

/** How to run a workload. The same `seed` and `steps` always make the same sequence of calls. */
export interface WorkloadOptions {
  /** How many workload steps (one allocation, free, resize, commit, … each) to run. */
  steps: number;
  /** Seed of the pseudo-random choices: same seed, same calls. */
  seed: number;
  /**
   * Call `onSample` after every `sampleEvery` steps (and once at the end). Defaults to
   * about 200 samples over the run.
   */
  sampleEvery?: number;
  /** Receives the samples, for footprint-over-time charts. */
  onSample?: (s: WorkloadSample) => void;
}

/** Memory levels after a given number of steps. */
export interface WorkloadSample {
  /** Steps done when the sample was taken. */
  step: number;
  /** Accessible bytes the workload holds mapped (see {@link WorkloadResult.peakLiveBytes}). */
  liveBytes: number;
  /** The backend's `stats().footprintBytes`. */
  footprintBytes: number;
}

/** What a run did: whether it completed, what it cost, and how fast it went. */
export interface WorkloadResult {
  /** Which workload ran. */
  workload: WorkloadName;
  /** True when every step ran and every verification passed. */
  completed: boolean;
  /** Steps that ran to the end; equals `failure.step` when the run failed. */
  stepsDone: number;
  /**
   * The first error that stopped the run: the step index (0-based), the `MmapError`
   * code (or {@link verificationFailureCode} when the workload found wrong bytes) and
   * the message.
   */
  failure?: { step: number; code?: string; message: string };
  /**
   * Highest number of bytes the workload held mapped with access rights at any
   * instant (chunks, blocks, committed pages, metadata, its own free lists, and the
   * transient over-maps it makes): what a backend without waste must provide.
   * Reserved `NoAccess` ranges are not live.
   */
  peakLiveBytes: number;
  /** The backend's `stats().peakFootprintBytes` at the end (use a fresh backend per run). */
  peakFootprintBytes: number;
  /** `peakFootprintBytes / peakLiveBytes` (0 when nothing was ever live). */
  footprintRatio: number;
  /** Bytes the backend zeroed during the run (`stats().zeroedBytes` difference). */
  zeroedBytes: number;
  /**
   * Failed backend calls during the run, summed over call kinds (`stats().failedCalls`
   * difference); includes the expected `ENOMEM` of in-place `mremap` attempts.
   */
  failedCalls: number;
  /** `mmap`-family calls (`dzmmap*`, `munmap`, `mremap`, `setMemoryAccess`, `madvise`) made; reads and writes are not counted. */
  operations: number;
  /** Wall time of the run in milliseconds, verification included. */
  elapsedMs: number;
  /** `elapsedMs * 1000 / operations` (0 when no operation ran). */
  usPerOperation: number;
}
