/**
 * @osal/conformance: the suite every osal backend runs. `runConformance(name,
 * factory, options)` registers vitest tests for each behaviour of the
 * `OperatingSystem` contract, gated on the backend's capabilities, plus
 * model-based random command sequences. The helpers it is built from
 * (`snapshotMemory`, `diffSnapshots`, the memory model) are exported for
 * backends' own tests.
 */

export type { CaseContext, ConformanceCase, ConformanceGroup } from "./conformance-case.js";
export {
  runSweep,
  SWEEP_SEED,
  SWEEP_STEPS,
  type SweepRun,
  type SweepTarget,
  unmapAll,
} from "./fault-sweep.js";
export {
  MemoryModel,
  type ModelAttributes,
  type ModelFault,
  type ModelPage,
  type ModelRange,
} from "./model/memory-model.js";
export { runModel } from "./model/run-model.js";
export {
  type ConformanceOptions,
  DEFAULT_MODEL_RUNS,
  DEFAULT_MODEL_SEED,
  DEFAULT_MODEL_STEPS,
  type ModelOptions,
  type ResolvedModelOptions,
  resolveModelOptions,
} from "./options.js";
export { conformanceGroups, runConformance } from "./run-conformance.js";
export {
  DEFAULT_SNAPSHOT_MAX_BYTES,
  diffSnapshots,
  type MemorySnapshot,
  type SnapshotMapping,
  type SnapshotOptions,
  snapshotMemory,
} from "./snapshot.js";
export {
  type BadCallFixture,
  type BadCallOrderRow,
  badCallOrder,
} from "./suites/bad-call-order.js";
export { FOUR_GIB, highAddressesGroup } from "./suites/high-addresses.js";
export { lazyZeroingGroup } from "./suites/lazy-zeroing.js";
export { wrongTypeCellCount } from "./suites/wrong-type.js";
export { threadView } from "./thread-view.js";
