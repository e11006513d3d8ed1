import type { OperatingSystem } from "@osal/core";
import type { ResolvedNodePosixOptions } from "./options.js";

/** A real Linux backend confined to its arena: an {@link OperatingSystem} you must {@link NodePosix.close}. */
export interface NodePosix extends OperatingSystem {
  /** The settings in force, defaults filled in. */
  readonly options: ResolvedNodePosixOptions;
  /** First byte of the arena: the lowest address this instance maps. */
  readonly arenaStart: number;
  /** Whether the kernel names VMAs (`PR_SET_VMA_ANON_NAME`), so `/proc/self/maps` itself shows annotations. */
  readonly namesVmas: boolean;
  /**
   * Unmaps the arena and everything in it. Afterwards every memory call fails
   * with `EBADF` and every access faults. Idempotent. An instance that is
   * garbage-collected unclosed has its arena unmapped then.
   */
  close(): void;
}
