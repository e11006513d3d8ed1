import { hex, type MemoryAccess } from "@osal/core";

/** The `failure.code` of a run stopped because the workload found wrong bytes. */
export const verificationFailureCode = "EVERIFY";

/**
 * Thrown by a workload when memory does not hold what it must: non-zero bytes in a
 * fresh mapping, or a pattern lost after a remap, a partial unmap or a copy.
 * `code` is {@link verificationFailureCode}.
 */
export class VerificationError extends Error {
  /** Always {@link verificationFailureCode}. */
  readonly code = verificationFailureCode;

  constructor(message: string) {
    super(message);
    this.name = "VerificationError";
  }
}

/** Length in bytes of one pattern stamp. */
export const stampLength = 64;

/** Bytes checked for zeros at each probed spot of a fresh range. */
export const zeroWindow = 4096;

/**
 * A range the workload owns and has written patterns into: `stamps` are offsets
 * (from `start`) of `stampLength`-byte patterns derived from `tag` and the
 * offset, so a pattern found at the wrong place or under the wrong tag is caught.
 */
export interface StampedRange {
  /** First byte of the range. */
  start: number;
  /** Its length in bytes. */
  size: number;
  /** Unique per allocation; kept when the bytes move with the range. */
  readonly tag: number;
  /** Offsets of the patterns written so far. */
  stamps: number[];
}

/** The pattern for `tag` at `offset`: never a zero byte, different per tag and offset. */
export function stampBytes(tag: number, offset: number): Uint8Array {
  const bytes = new Uint8Array(stampLength);
  let x =
    (Math.imul(tag + 1, 0x9e3779b1) ^ Math.imul(Math.floor(offset / 64) + 7, 0x85ebca6b)) >>> 0;
  for (let i = 0; i < stampLength; i++) {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + i) >>> 0;
    bytes[i] = ((x >>> 8) % 255) + 1;
  }
  return bytes;
}

/** Writes the pattern at `offset` of `range` and remembers it. */
export function stamp(memory: MemoryAccess, range: StampedRange, offset: number): void {
  memory.write(range.start + offset, stampBytes(range.tag, offset));
  if (!range.stamps.includes(offset)) range.stamps.push(offset);
}

/** Stamps the first bytes of the first page and the last bytes of the last page. */
export function stampEnds(memory: MemoryAccess, range: StampedRange): void {
  stamp(memory, range, 0);
  stamp(memory, range, range.size - stampLength);
}

/** Throws {@link VerificationError} unless every remembered pattern of `range` is intact. */
export function verifyStamps(memory: MemoryAccess, range: StampedRange, what: string): void {
  for (const offset of range.stamps) {
    const expected = stampBytes(range.tag, offset);
    const actual = memory.read(range.start + offset, stampLength);
    for (let i = 0; i < stampLength; i++) {
      if (actual[i] !== expected[i]) {
        throw new VerificationError(
          `${what}: pattern at ${hex(range.start + offset + i)} (offset ${offset + i} of ${hex(range.start)}+${hex(range.size)}) is ${actual[i]}, expected ${expected[i]}`,
        );
      }
    }
  }
}

/** Forgets the patterns that no longer fit in the first `size` bytes (after a truncation). */
export function keepStampsBelow(range: StampedRange, size: number): void {
  range.stamps = range.stamps.filter((offset) => offset + stampLength <= size);
}

/** Forgets the patterns overlapping `[from, to)` (offsets), e.g. after a decommit. */
export function dropStampsIn(range: StampedRange, from: number, to: number): void {
  range.stamps = range.stamps.filter((offset) => offset + stampLength <= from || offset >= to);
}

/**
 * Copies the patterns of `from` to the same offsets of `to` (the bytes a runtime's
 * memcpy would carry; everything else the workload holds is zero on both sides).
 */
export function copyStamps(memory: MemoryAccess, from: StampedRange, to: StampedRange): void {
  for (const offset of from.stamps) {
    if (offset + stampLength > to.size) continue;
    memory.write(to.start + offset, memory.read(from.start + offset, stampLength));
    if (!to.stamps.includes(offset)) to.stamps.push(offset);
  }
}

/**
 * Throws {@link VerificationError} unless `[start, start + size)` reads as zeros at
 * its start, its end and at one page chosen by `pickPage` (a function of the page
 * count): fresh, decommitted or `dontneed` memory must read as zeros.
 */
export function verifyZeros(
  memory: MemoryAccess,
  start: number,
  size: number,
  pageSize: number,
  pickPage: (pages: number) => number,
  what: string,
): void {
  const window = Math.min(zeroWindow, size);
  const pages = Math.floor(size / pageSize);
  const spots = [start, start + size - window];
  if (pages > 2) spots.push(Math.min(start + pickPage(pages) * pageSize, start + size - window));
  for (const spot of spots) {
    const bytes = memory.read(spot, window);
    for (let i = 0; i < bytes.length; i++) {
      if (bytes[i] !== 0) {
        throw new VerificationError(
          `${what}: byte at ${hex(spot + i)} of fresh range ${hex(start)}+${hex(size)} is ${bytes[i]}, expected 0`,
        );
      }
    }
  }
}
