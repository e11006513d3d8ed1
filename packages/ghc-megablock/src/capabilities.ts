import type { Capabilities } from "@osal/core";

/** What ghc-megablock really does; see Note [Megablocks over linear memory] in ghc-megablock.ts. */
export const ghcMegablockCapabilities: Capabilities = Object.freeze({
  fixed: false,
  noReplace: false,
  partialUnmap: true,
  remapInPlace: false,
  enforcesProtection: false,
  reservesWithoutCommit: false,
  returnsMemoryToHost: false,
  threadSafe: false,
  uninitialized: false,
  remapAcrossMappings: false,
  remapDontUnmap: false,
  remapFixed: false,
  setAnnotation: true,
});

/**
 * The same on a shared memory, where backends in several workers attached to
 * one state take its lock around every call: `threadSafe`.
 */
export const ghcMegablockSharedCapabilities: Capabilities = Object.freeze({
  ...ghcMegablockCapabilities,
  threadSafe: true,
});
