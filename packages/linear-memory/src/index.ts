/**
 * @osal/linear-memory: the engine under osal's WebAssembly backends. A page table
 * over one linear memory at a chosen granule (page states, attributes, annotation
 * ids, lazy-zero marks), the page sources (`memory.grow`, a guest's `sbrk`,
 * memory grown by others), growth by core's growth policy, and the shared state
 * with its Atomics lock so workers over one shared memory agree on every page.
 * A backend keeps its placement and its checks and calls these primitives.
 */
export { AnnotationTable, annotationFromKey, annotationKey } from "./annotation-table.js";
export {
  LinearMemoryEngine,
  type LinearMemoryEngineOptions,
  type ZeroingCounters,
} from "./engine.js";
export {
  type FrontierOwner,
  GrowSource,
  type PageSource,
  type SbrkFunction,
  SbrkSource,
} from "./page-source.js";
export {
  decodeAttributes,
  encodeAttributes,
  isAccessibleAttribute,
  isPlaceable,
  isReservedAttribute,
  PageState,
  protectionOf,
  withProtection,
} from "./page-state.js";
export {
  type FreePageIndex,
  type FreePageIndexLayout,
  Header,
  NO_INDEX,
  SharedState,
  type SharedStateOptions,
  STATE_MAGIC,
} from "./shared-state.js";
export { StateLock } from "./state-lock.js";
export {
  isCleanAfterUnmap,
  markAfterDiscard,
  markWhenMapped,
  markWhenMoved,
  ZeroMark,
  zeroesWhenMapped,
  zeroesWhenOpened,
} from "./zero-mark.js";
