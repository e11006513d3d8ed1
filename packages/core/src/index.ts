/**
 * @osal/core: the contract between language runtimes and osal backends.
 *
 * A runtime codes against {@link OperatingSystem} (memory + process) and takes an
 * instance from whichever backend fits its target. This package holds the types,
 * the strategy and annotation values, the typed errors and the small helpers every
 * backend shares (argument checks, stats, `/proc/self/maps` formatting). It holds
 * no backend.
 */

export {
  alignDown,
  alignUp,
  formatBytes,
  GiB,
  isAligned,
  isPowerOfTwo,
  KiB,
  MiB,
  pagesIn,
  rangesOverlap,
  TiB,
} from "./address.js";
export { formatAnnotation, MmapAnnotation, sameAnnotation } from "./annotation.js";
export { BackendPrimitives } from "./backend-primitives.js";
export {
  accessFault,
  type BackendCall,
  backendSyscalls,
  type MappedRun,
  type RemapSource,
  remapFault,
  runsLeaveFree,
  unmappedRangeError,
} from "./call-path-checks.js";
export { type Capabilities, capabilityNames } from "./capabilities.js";
export { currentBuffer, currentByteLength } from "./current-buffer.js";
export { Errno, type ErrnoCode, errnoCodeOf, errnoDescriptions, isErrnoCode } from "./errno.js";
export {
  hasErrorCode,
  hex,
  MemoryFault,
  MmapError,
  type MmapErrorInit,
  type OSCall,
  OSError,
  type OSErrorInit,
  reportedAs,
} from "./errors.js";
export {
  DEFAULT_GROWTH,
  EXACT_GROWTH,
  type Growth,
  type GrowthPolicy,
  growLinearMemory,
  growthStep,
  growthTarget,
  resolveGrowthPolicy,
} from "./growth-policy.js";
export { HostProcess } from "./host-process.js";
export {
  createLinearMemory,
  declaredMaximumBytes,
  isLinearMemory,
  isSharedMemory,
  type LinearMemory,
  WASM_PAGE_SIZE,
  WASM32_MAX_BYTES,
} from "./linear-memory.js";
export {
  formatProcMaps,
  type MapsLine,
  type ParsedMapsLine,
  parseProcMaps,
} from "./maps-format.js";
export {
  type MadviseAdvice,
  type MappingInfo,
  type MemoryAccess,
  type MremapOptions,
  madviseAdvices,
  type OSMemory,
} from "./memory.js";
export { MemoryBackend } from "./memory-backend.js";
export {
  createMemory64,
  defaultMaximumBytes,
  growMemoryPages,
  hostHasMemory64,
  isMemory64,
  MEMORY64_HOST_MAX_BYTES,
  MEMORY64_MAX_BYTES,
  maximumBytesLimit,
} from "./memory64.js";
export type { OperatingSystem, OperatingSystemFactory } from "./operating-system.js";
export { invalidOption, SharedMemoryError } from "./option-errors.js";
export {
  type PageState,
  type PageStateReporter,
  type PageStateRun,
  reportsPageStates,
} from "./page-states.js";
export { type AddressRange, findTopDown } from "./placement.js";
export type { OSProcess } from "./process.js";
export { HugePageSupport, isAccessible, MmapProtection, protectionLetters } from "./protection.js";
export { firstEndingAfter, rangeAt, rangesCover, rangesOverlapping } from "./range-table.js";
export { checkAnnotationRange, checkRemapOptions, unsupported } from "./remap-options.js";
export { type MemoryCall, type MemoryStats, memoryCalls, StatsRecorder } from "./stats.js";
export { MmapStrategy, type MmapStrategyFields } from "./strategy.js";
export {
  type AddressSpaceShape,
  checkAccess,
  checkAddress,
  checkAdvice,
  checkAlign,
  checkProtection,
  checkRange,
  checkSize,
  checkStrategy,
  isByteCount,
} from "./validate.js";
export {
  type CheckedMap,
  checkCore,
  checkCores,
  checkDzmmapAnywhereArguments,
  checkDzmmapArguments,
  checkDzmmapPreferredArguments,
  checkFillArguments,
  checkMadviseArguments,
  checkMprotectArguments,
  checkMremapArguments,
  checkMunmapArguments,
  checkPanicArguments,
  checkReadArguments,
  checkSetAnnotationArguments,
  checkWriteArguments,
} from "./validate-calls.js";
export {
  type CheckedRemapOptions,
  checkAnnotation,
  checkBytes,
  describeValue,
  isAnnotation,
  isPlainObject,
  isUint8Array,
  readRemapOptions,
  validStrategy,
} from "./validate-values.js";
export { type AccountedRun, accountedAfterMprotect, isAccountable } from "./vm-account.js";
