import type { Capabilities } from "@osal/core";

/** What node-posix really does: everything the kernel does, for one JS thread. */
export const NODE_POSIX_CAPABILITIES: Capabilities = Object.freeze({
  fixed: true,
  noReplace: true,
  partialUnmap: true,
  remapInPlace: true,
  enforcesProtection: true,
  reservesWithoutCommit: true,
  returnsMemoryToHost: true,
  threadSafe: false,
  uninitialized: false,
  remapAcrossMappings: false,
  remapDontUnmap: false,
  remapFixed: false,
  setAnnotation: true,
});
