/**
 * Access rights of a mapping, as MMTk's `MmapProtection`.
 *
 * - `ReadWrite`: `PROT_READ | PROT_WRITE`, what heaps and metadata use.
 * - `ReadWriteExec`: `PROT_READ | PROT_WRITE | PROT_EXEC`, for code spaces.
 * - `NoAccess`: `PROT_NONE`, for quarantined or guard ranges: any access faults
 *   on backends that enforce protection.
 */
export const MmapProtection = {
  ReadWrite: "ReadWrite",
  ReadWriteExec: "ReadWriteExec",
  NoAccess: "NoAccess",
} as const;

/** One of the {@link MmapProtection} values. */
export type MmapProtection = (typeof MmapProtection)[keyof typeof MmapProtection];

/** The `r`, `w`, `x` letters `/proc/self/maps` shows for a protection. */
export function protectionLetters(prot: MmapProtection): string {
  switch (prot) {
    case MmapProtection.ReadWrite:
      return "rw-";
    case MmapProtection.ReadWriteExec:
      return "rwx";
    case MmapProtection.NoAccess:
      return "---";
  }
}

/** True when memory with this protection can be read and written. */
export function isAccessible(prot: MmapProtection): boolean {
  return prot !== MmapProtection.NoAccess;
}

/**
 * Whether a mapping asks for transparent huge pages, as MMTk's `HugePageSupport`.
 * `TransparentHugePages` is a hint (`madvise(MADV_HUGEPAGE)` on Linux): backends
 * record it and may ignore it, they never fail because of it.
 */
export const HugePageSupport = {
  No: "No",
  TransparentHugePages: "TransparentHugePages",
} as const;

/** One of the {@link HugePageSupport} values. */
export type HugePageSupport = (typeof HugePageSupport)[keyof typeof HugePageSupport];
