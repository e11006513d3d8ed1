import type { Capabilities } from "@osal/core";

/** What the wasm page manager does (see the capabilities table in the README). */
export const wasmPageManagerCapabilities: Capabilities = Object.freeze({
  fixed: true,
  noReplace: true,
  partialUnmap: true,
  remapInPlace: true,
  enforcesProtection: false,
  reservesWithoutCommit: false,
  returnsMemoryToHost: false,
  threadSafe: true,
  uninitialized: true,
  remapAcrossMappings: true,
  remapDontUnmap: true,
  remapFixed: true,
  setAnnotation: true,
});
