import { openSync, readSync } from "node:fs";

let fd: number | undefined;

/** Bit 63 (present) and bit 56 (exclusively mapped) of a pagemap entry, in its high 32 bits. */
const PRESENT = 2 ** 31;
const EXCLUSIVE = 2 ** 24;

/**
 * Bytes of `[start, end)` in pages that are resident and mapped by this process
 * alone, from `/proc/self/pagemap`: what the range really costs. The shared zero
 * page that reading untouched memory maps is not counted (it is not exclusive).
 */
export function residentBytes(start: number, end: number, pageSize: number): number {
  fd ??= openSync("/proc/self/pagemap", "r");
  const pages = (end - start) / pageSize;
  const buffer = Buffer.alloc(pages * 8);
  const read = readSync(fd, buffer, 0, buffer.length, (start / pageSize) * 8);
  let resident = 0;
  for (let offset = 0; offset + 8 <= read; offset += 8) {
    const high = buffer.readUInt32LE(offset + 4);
    if (high >= PRESENT && Math.floor(high / EXCLUSIVE) % 2 === 1) resident++;
  }
  return resident * pageSize;
}
