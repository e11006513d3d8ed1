import {
  createLinearMemory,
  declaredMaximumBytes,
  defaultMaximumBytes,
  type GrowthPolicy,
  isLinearMemory,
  isPowerOfTwo,
  isSharedMemory,
  type LinearMemory,
  MiB,
  MmapError,
  maximumBytesLimit,
  resolveGrowthPolicy,
  WASM_PAGE_SIZE,
  WASM32_MAX_BYTES,
} from "@osal/core";

/** Options of `createGhcMegablock`. */
export interface GhcMegablockOptions {
  /**
   * The linear memory to allocate from, typically a wasm guest's exported
   * memory. Pages already in it, and pages anyone else grows later, are never
   * handed out. Omitted: the backend creates an empty memory of its own.
   * A shared memory is refused (`ENOTSUP`): this backend is not thread-safe.
   */
  readonly memory?: LinearMemory;
  /**
   * Megablock size in bytes: the page size of this backend, the unit of every
   * range and the alignment of every mapping. 1 MiB (GHC's classic `MBLOCK_SIZE`,
   * the default) or 64 KiB (one wasm page, as current GHC on wasm); any power of
   * two from 64 KiB to 16 MiB is accepted.
   */
  readonly megablockSize?: number;
  /**
   * The most the linear memory may grow to, in bytes (a multiple of 64 KiB, at
   * most 4 GiB for a memory32 memory, below 2^53 for a memory64 one). When the
   * backend creates the memory this is its declared maximum (default 4 GiB;
   * above 4 GiB it creates a memory64 memory, Node 24+). With a given `memory` it states that memory's
   * maximum, which a JS host cannot always read back (default: the maximum the
   * host reports, else 4 GiB). It is what `getSystemTotalMemory()` returns.
   */
  readonly maximumBytes?: number;
  /**
   * How far past a request the memory grows (the shared policy of @osal/core):
   * `"exact"` grows only the megablocks missing; a policy grows
   * `clamp(size × ratio, minimumStep, maximumStep)` ahead, rounded to whole
   * megablocks, the megablocks grown ahead free and clean. Default: `DEFAULT_GROWTH`.
   */
  readonly growth?: GrowthPolicy | Partial<GrowthPolicy> | "exact";
}

/** The options after validation, with defaults filled in. */
export interface ResolvedOptions {
  readonly memory: LinearMemory;
  readonly megablockSize: number;
  readonly maximumBytes: number;
  readonly growth: GrowthPolicy;
}

/** The default megablock size: 1 MiB. */
export const DEFAULT_MEGABLOCK_SIZE = MiB;

const MIN_MEGABLOCK_SIZE = WASM_PAGE_SIZE;
const MAX_MEGABLOCK_SIZE = 16 * MiB;

/**
 * Validates `options` and fills in defaults, creating the memory if none was
 * given. Throws `MmapError` `EINVAL` for a bad value and `ENOTSUP` for a shared
 * memory, before anything is created.
 */
export function resolveOptions(options: GhcMegablockOptions = {}): ResolvedOptions {
  const megablockSize = options.megablockSize ?? DEFAULT_MEGABLOCK_SIZE;
  if (
    !isPowerOfTwo(megablockSize) ||
    megablockSize < MIN_MEGABLOCK_SIZE ||
    megablockSize > MAX_MEGABLOCK_SIZE
  ) {
    throw invalid(
      `megablockSize ${String(megablockSize)} must be a power of two from 64 KiB to 16 MiB`,
    );
  }
  if (options.maximumBytes !== undefined) {
    const given = isLinearMemory(options.memory) ? options.memory : undefined;
    checkMaximum(options.maximumBytes, megablockSize, given);
  }
  const growth = resolveGrowthPolicy(options.growth);

  if (options.memory === undefined) {
    const maximumBytes = options.maximumBytes ?? WASM32_MAX_BYTES;
    return { memory: createLinearMemory(maximumBytes), megablockSize, maximumBytes, growth };
  }

  const memory = options.memory;
  if (!isLinearMemory(memory)) throw invalid("memory must be a WebAssembly.Memory");
  if (isSharedMemory(memory)) {
    throw new MmapError({
      code: "ENOTSUP",
      syscall: "mmap",
      detail:
        "a shared WebAssembly.Memory is refused: ghc-megablock is not thread-safe " +
        "(its free list and page table are unsynchronised); use one backend per unshared memory",
    });
  }
  const maximumBytes =
    options.maximumBytes ?? declaredMaximumBytes(memory) ?? defaultMaximumBytes(memory);
  if (maximumBytes < memory.buffer.byteLength) {
    throw invalid(
      `maximumBytes ${maximumBytes} is below the memory's current size ${memory.buffer.byteLength}`,
    );
  }
  return { memory, megablockSize, maximumBytes, growth };
}

/** Most megablocks the table holds (one byte each in three arrays, indexed by 32-bit ints). */
const MAX_MEGABLOCKS = 2 ** 31 - 1;

function checkMaximum(
  maximumBytes: number,
  megablockSize: number,
  memory: LinearMemory | undefined,
): void {
  // A memory32 memory keeps its 4 GiB; a memory64 one (or one created above 4 GiB) goes to 2^53.
  const limit = maximumBytesLimit(memory);
  const valid =
    Number.isSafeInteger(maximumBytes) &&
    maximumBytes >= 0 &&
    maximumBytes % WASM_PAGE_SIZE === 0 &&
    maximumBytes <= limit &&
    maximumBytes / megablockSize <= MAX_MEGABLOCKS;
  if (!valid) {
    const most = limit > WASM32_MAX_BYTES ? "below 2^53 (memory64)" : "4 GiB";
    throw invalid(
      `maximumBytes ${String(maximumBytes)} must be a multiple of 64 KiB between 0 and ${most}`,
    );
  }
}

function invalid(detail: string): MmapError {
  return new MmapError({ code: "EINVAL", syscall: "mmap", detail });
}
