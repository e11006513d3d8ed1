/**
 * @osal/ghc-megablock: GHC's wasm megablock allocator as an osal backend.
 * `createGhcMegablock()` grows a `WebAssembly.Memory` in aligned megablocks,
 * keeps freed ones on a coalescing free list and never returns memory.
 */

export { type LinearMemory, WASM_PAGE_SIZE, WASM32_MAX_BYTES } from "@osal/core";
export { ghcMegablockCapabilities, ghcMegablockSharedCapabilities } from "./capabilities.js";
export {
  createGhcMegablock,
  GhcMegablock,
  MBLOCK_ANNOTATION,
} from "./ghc-megablock.js";
export { DEFAULT_MEGABLOCK_SIZE, type GhcMegablockOptions } from "./options.js";
export { FOREIGN_MEMORY_NAME } from "./process-maps.js";
