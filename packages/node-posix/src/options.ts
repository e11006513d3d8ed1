import { GiB, invalidOption, isPowerOfTwo, MiB } from "@osal/core";

/** Configuration of {@link createNodePosix}. */
export interface NodePosixOptions {
  /**
   * Bytes of address space to reserve for the arena, the only range this
   * instance ever maps in (default 1 GiB). Reserving costs no memory
   * (`PROT_NONE | MAP_NORESERVE`); it bounds what the instance can map.
   */
  readonly arenaSize?: number;
  /** Alignment of the arena's start, a power of two of at least the page size (default 2 MiB). */
  readonly arenaAlign?: number;
}

/** Options with defaults filled in. */
export interface ResolvedNodePosixOptions {
  readonly arenaSize: number;
  readonly arenaAlign: number;
}

/** Fills in defaults; a size or alignment the kernel could not honour is an `MmapError` `EINVAL` (core's `invalidOption`). */
export function resolveOptions(
  options: NodePosixOptions,
  pageSize: number,
): ResolvedNodePosixOptions {
  const arenaSize = options.arenaSize ?? 1 * GiB;
  const arenaAlign = Math.max(options.arenaAlign ?? 2 * MiB, pageSize);
  if (!Number.isSafeInteger(arenaSize) || arenaSize <= 0 || arenaSize % pageSize !== 0) {
    throw invalidOption(
      "node-posix",
      `arenaSize must be a positive multiple of the page size ${pageSize}, got ${String(arenaSize)}`,
    );
  }
  if (!isPowerOfTwo(arenaAlign)) {
    throw invalidOption(
      "node-posix",
      `arenaAlign must be a power of two, got ${String(arenaAlign)}`,
    );
  }
  return { arenaSize, arenaAlign };
}
