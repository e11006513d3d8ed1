/**
 * The process half of an operating system, modelled on MMTk's `util::os::Process`.
 * Facts come from the host (Node's `process.pid`, the `worker_threads` id,
 * `os.availableParallelism()`; a browser's `navigator.hardwareConcurrency`).
 */
export interface OSProcess {
  /** The memory map in `/proc/self/maps` format, one line per mapping. */
  getProcessMemoryMaps(): string;
  /** The process id. */
  getProcessId(): number;
  /** The id of the calling thread (0 on the main thread of a JS host). */
  getThreadId(): number;
  /** How many CPUs the process may use. */
  getTotalNumCpus(): number;
  /**
   * Pins the calling thread to one core. No JS host can do this: real backends
   * throw `OSError` `ENOTSUP`; a simulated one records it.
   */
  bindCurrentThreadToCore(core: number): void;
  /** Pins the calling thread to a set of cores; same rules as {@link OSProcess.bindCurrentThreadToCore}. */
  bindCurrentThreadToCpuset(cores: readonly number[]): void;
}
