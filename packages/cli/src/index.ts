/**
 * @osal/cli: the `osal` command. Its commands and building blocks (runners,
 * bench, tables, SVG charts, memory maps) are also exported so other tools can
 * run them programmatically.
 */
export { DEFAULT_MEMORY_CAP } from "./bench/memory-cap.js";
export {
  type BenchPlan,
  type BenchReport,
  type BenchRow,
  type BenchTable,
  runBench,
} from "./bench/run-bench.js";
export {
  measureScaling,
  type PairFigure,
  type ScalingPlan,
  type ScalingReport,
  type TableBuildFigure,
} from "./bench/scaling.js";
export { fileSafe, footprintChartOf, writeBenchSvgs } from "./bench/write-svgs.js";
export { type CliIo, cliVersion, runCli } from "./cli.js";
export { benchCommand, benchUsage } from "./commands/bench.js";
export { demoCommand, demoUsage } from "./commands/demo.js";
export { mapsCommand, mapsUsage } from "./commands/maps.js";
export {
  defaultHeapLayout,
  type HeapDemoLayout,
  type HeapDemoStep,
  runHeapDemo,
} from "./demo/mmtk-heap.js";
export {
  type MapSpan,
  type MemoryMap,
  type SpanState,
  spanStates,
} from "./memory-map/memory-map.js";
export { type MapSource, type PageStateRun, snapshotMemoryMap } from "./memory-map/snapshot.js";
export {
  type BenchOptions,
  defaultOutDir,
  defaultSeed,
  defaultSteps,
  type MapsOptions,
  parseBenchOptions,
  parseMapsOptions,
} from "./options/bench-options.js";
export { UsageError } from "./options/list-option.js";
export {
  createProgress,
  defaultProgressEveryMs,
  type Progress,
  type ProgressOptions,
  type ProgressSink,
} from "./progress.js";
export { benchJsonSchema } from "./report/bench-schema.js";
export {
  type BenchJson,
  type BenchJsonRow,
  benchJson,
  type WorkloadFiles,
} from "./report/json-report.js";
export {
  completionCell,
  formatRatio,
  type RowComparison,
  ratioCell,
  rowCells,
  tableColumns,
} from "./report/row-cells.js";
export { formatBenchReport, formatBenchTable } from "./report/table.js";
export type { WorkloadBytes } from "./report/workload-bytes.js";
export {
  allRunners,
  knownBackendNames,
  mapRunners,
  selectableNames,
  selectRunners,
} from "./runners/all-runners.js";
export {
  type BackendInstance,
  type BackendSpec,
  backendSpecs,
  findBackend,
} from "./runners/backends.js";
export { type GuestContext, type GuestTarget, guestTargets } from "./runners/guest-backends.js";
export {
  type GuestLocator,
  type GuestMman,
  type GuestToolchain,
  packagedGuests,
} from "./runners/guest-files.js";
export { type GuestFigures, guestWorkloadResult } from "./runners/guest-result.js";
export { guestRunner } from "./runners/guest-runner.js";
export type { Runner, RunnerKind, RunOutcome, RunRequest } from "./runners/runner.js";
export { tsRunner } from "./runners/ts-runner.js";
export {
  type FootprintChart,
  type FootprintSeries,
  LOG_SCALE_SPREAD,
  renderFootprintChart,
} from "./svg/footprint-chart.js";
export { renderMemoryMapChart } from "./svg/memory-map-chart.js";
export {
  element,
  escapeXml,
  type SvgAttributes,
  svgDocument,
  text,
} from "./svg/svg-document.js";
