/**
 * @osal/wasm-page-manager: an osal backend over WebAssembly linear memory, in the
 * way of Mono's page manager: a page table with partial munmap, MAP_FIXED and
 * MAP_FIXED_NOREPLACE, in-place mremap, no memset on fresh pages, an O(log n)
 * free-run index, and a shared-memory lock for workers.
 */
export type { LinearMemory } from "@osal/core";
export type { SbrkFunction } from "@osal/linear-memory";
export {
  DEFAULT_LARGE_ALIGNMENT,
  DEFAULT_PAGE_SIZE,
  type WasmPageManagerOptions,
} from "./options.js";
export {
  createWasmPageManager,
  WasmPageManager,
  wasmPageManagerCapabilities,
} from "./page-manager.js";
