/** One kibibyte (1024 bytes). Sizes in osal are plain byte counts. */
export const KiB = 1024;
/** One mebibyte. */
export const MiB = 1024 * KiB;
/** One gibibyte. */
export const GiB = 1024 * MiB;
/** One tebibyte. */
export const TiB = 1024 * GiB;

/**
 * Addresses and sizes are JavaScript numbers: exact up to 2^53, which covers a
 * 47-bit user address space with room to spare. They are never bit-masked (JS
 * bitwise operators truncate to 32 bits), so these helpers use arithmetic.
 */

/** True when `value` is a positive integer power of two (1, 2, 4, …, 2^52). */
export function isPowerOfTwo(value: number): boolean {
  if (!Number.isSafeInteger(value) || value <= 0) return false;
  // Below 2^31 a bit test is exact (and every call checks an alignment, so it is
  // hot: the logarithm took 14 % of a map+unmap pair); above, divide down first.
  if (value <= 0x7fffffff) return (value & (value - 1)) === 0;
  return isPowerOfTwo(value / 0x80000000);
}

/** `value` rounded down to a multiple of `align` (a power of two). */
export function alignDown(value: number, align: number): number {
  return Math.floor(value / align) * align;
}

/** `value` rounded up to a multiple of `align` (a power of two). */
export function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}

/** True when `value` is a multiple of `align`. */
export function isAligned(value: number, align: number): boolean {
  return value % align === 0;
}

/** The number of `pageSize` pages that `bytes` spans, rounding up. */
export function pagesIn(bytes: number, pageSize: number): number {
  return Math.ceil(bytes / pageSize);
}

/** True when the half-open ranges `[aStart, aEnd)` and `[bStart, bEnd)` share a byte. */
export function rangesOverlap(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  return aStart < bEnd && bStart < aEnd;
}

/** Human-readable byte count (`"2 MiB"`, `"1.5 GiB"`, `"4096 B"`), for listings. */
export function formatBytes(bytes: number): string {
  const units: [number, string][] = [
    [TiB, "TiB"],
    [GiB, "GiB"],
    [MiB, "MiB"],
    [KiB, "KiB"],
  ];
  for (const [unit, name] of units) {
    if (Math.abs(bytes) >= unit) {
      const value = bytes / unit;
      return `${Number.isInteger(value) ? value : value.toFixed(1)} ${name}`;
    }
  }
  return `${bytes} B`;
}
