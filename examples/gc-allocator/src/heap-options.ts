import { GiB, isPowerOfTwo, KiB, MiB } from "@osal/core";

/** How to shape a {@link Heap}. Every field has a default that works on every backend. */
export interface HeapOptions {
  /**
   * Address space reserved up front, in bytes: the most the heap can ever hold.
   * A multiple of the block size, at most 2 GiB (references are 32-bit offsets).
   * Default 16 MiB.
   */
  readonly reservedBytes?: number;
  /**
   * The unit the heap commits and returns to the OS, in bytes: a power of two and
   * a multiple of the backend's page size. Default 64 KiB, or the page size when
   * that is larger.
   */
  readonly blockSize?: number;
  /** The space name shown in memory maps (`[anon:space:<name>]`). Default `"gc-heap"`. */
  readonly name?: string;
}

/** {@link HeapOptions} with every default applied and checked against the backend's page size. */
export interface ResolvedHeapOptions {
  /** Bytes to reserve: a multiple of `blockSize`. */
  readonly reservedBytes: number;
  /** Bytes per block: a power of two, a multiple of the page size. */
  readonly blockSize: number;
  /** The space name for the reservation's annotation. */
  readonly name: string;
}

/** Default reservation: 16 MiB, 256 blocks of 64 KiB. */
export const DEFAULT_RESERVED_BYTES = 16 * MiB;
/** Default block size: 64 KiB, one wasm page, sixteen 4 KiB pages. */
export const DEFAULT_BLOCK_SIZE = 64 * KiB;
/** The largest reservation: references are stored as 32-bit offsets from the heap start. */
export const MAX_RESERVED_BYTES = 2 * GiB;

/**
 * Applies the defaults for a backend with `pageSize`-byte pages. A bad option
 * throws a `RangeError` before anything is mapped.
 */
export function resolveHeapOptions(options: HeapOptions, pageSize: number): ResolvedHeapOptions {
  const blockSize = options.blockSize ?? Math.max(DEFAULT_BLOCK_SIZE, pageSize);
  if (!isPowerOfTwo(blockSize) || blockSize % pageSize !== 0) {
    throw new RangeError(
      `blockSize ${blockSize} must be a power of two and a multiple of the page size ${pageSize}`,
    );
  }
  const reservedBytes = options.reservedBytes ?? Math.max(DEFAULT_RESERVED_BYTES, blockSize);
  if (
    !Number.isSafeInteger(reservedBytes) ||
    reservedBytes <= 0 ||
    reservedBytes % blockSize !== 0 ||
    reservedBytes > MAX_RESERVED_BYTES
  ) {
    throw new RangeError(
      `reservedBytes ${reservedBytes} must be a positive multiple of the block size ${blockSize}, at most 2 GiB`,
    );
  }
  return { reservedBytes, blockSize, name: options.name ?? "gc-heap" };
}
