/**
 * What a backend really does. Runtimes branch on these instead of on the
 * backend's name; the conformance suite tests every capability a backend declares
 * and checks that undeclared ones fail with the documented error (`ENOTSUP` for a
 * fixed mapping a backend cannot place, `ENOMEM` for a remap it cannot do in
 * place) rather than doing something else.
 */
export interface Capabilities {
  /** `dzmmap` with `replace: true` (`MAP_FIXED`) works at any free or mapped address it controls. */
  readonly fixed: boolean;
  /** `dzmmap` with `replace: false` (`MAP_FIXED_NOREPLACE`) maps at the exact address, `EEXIST` on overlap. */
  readonly noReplace: boolean;
  /** `munmap` of any page-aligned sub-range, including the middle of a mapping. */
  readonly partialUnmap: boolean;
  /** `mremap` without `mayMove` grows a mapping when the pages after it are free. */
  readonly remapInPlace: boolean;
  /** Accessing `NoAccess` memory faults (otherwise protection is only recorded). */
  readonly enforcesProtection: boolean;
  /** `reserve: false` and `NoAccess` mappings take address space but no host memory. */
  readonly reservesWithoutCommit: boolean;
  /** Unmapped memory is given back to the host (otherwise it is kept for reuse). */
  readonly returnsMemoryToHost: boolean;
  /** Several threads (workers) may call it at once on a shared memory. */
  readonly threadSafe: boolean;
  /**
   * Honours `strategy.uninitialized` (`MAP_UNINITIALIZED`): reused pages may be
   * handed out dirty, without the zeroing they would otherwise get. Without it
   * the flag is ignored and memory reads as zeros, as on Linux built without
   * `CONFIG_MMAP_ALLOW_UNINITIALIZED`.
   */
  readonly uninitialized: boolean;
  /**
   * `mremap` works as Linux 6.17 across holes and several mappings: shrinking an
   * old range that spans several mappings or holes, and moving a range that
   * spans several mappings (each keeps its attributes). Otherwise those fail
   * with `EFAULT`, changing nothing.
   */
  readonly remapAcrossMappings: boolean;
  /** `mremap` with `dontUnmap` (`MREMAP_DONTUNMAP`) works; otherwise `ENOTSUP`. */
  readonly remapDontUnmap: boolean;
  /** `mremap` with `newAddress` (`MREMAP_FIXED`) works, atomically; otherwise `ENOTSUP`. */
  readonly remapFixed: boolean;
  /** `setAnnotation` (`PR_SET_VMA_ANON_NAME`) works; otherwise `ENOTSUP`. */
  readonly setAnnotation: boolean;
}

/** Names of the {@link Capabilities} flags, in a stable order for tables. */
export const capabilityNames: readonly (keyof Capabilities)[] = [
  "fixed",
  "noReplace",
  "partialUnmap",
  "remapInPlace",
  "enforcesProtection",
  "reservesWithoutCommit",
  "returnsMemoryToHost",
  "threadSafe",
  "uninitialized",
  "remapAcrossMappings",
  "remapDontUnmap",
  "remapFixed",
  "setAnnotation",
];
