/**
 * @osal/workloads: the SPEC section 6 workloads (zend, sgen, coreclr,
 * ghc, mmtk) as TypeScript clients of `OSMemory`, shared by tests, benchmarks and
 * the CLI. Each one replays a runtime's memory pattern, verifies its own bytes as it
 * goes, and reports whether it completed, its footprint against its live memory,
 * zeroing, failed calls and time per operation. {@link runWorkload} is the entry
 * point; {@link Prng} is the seeded generator behind every choice.
 */

export { type Workload, WorkloadContext, type WorkloadFactory } from "./context.js";
export { Prng } from "./prng.js";
export { runWorkload } from "./run.js";
export { workloadSizes } from "./sizes.js";
export {
  type WorkloadName,
  type WorkloadOptions,
  type WorkloadResult,
  type WorkloadSample,
  workloadNames,
} from "./types.js";
export {
  type StampedRange,
  VerificationError,
  verificationFailureCode,
} from "./verification.js";
