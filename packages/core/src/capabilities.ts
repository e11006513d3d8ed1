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
];
