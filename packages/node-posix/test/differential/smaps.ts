import { readFileSync } from "node:fs";

/** What the kernel charges for a range of this process, from `/proc/self/smaps`. */
export interface RangeUsage {
  /** Resident bytes (`Rss`) of the VMAs lying wholly inside the range: the shared zero page is not counted. */
  readonly residentBytes: number;
  /** Bytes of the range in VMAs carrying `VM_ACCOUNT` (`ac` in `VmFlags`): charged against the commit limit. */
  readonly accountedBytes: number;
}

const HEADER = /^([0-9a-f]+)-([0-9a-f]+) /;

/**
 * Sums `Rss` and `VM_ACCOUNT` bytes over `[low, high)` from `/proc/self/smaps`:
 * the kernel's own figures. Reading smaps walks every VMA of the process
 * (milliseconds), so callers use it for `stats()`, not on hot paths.
 */
export function rangeUsage(low: number, high: number): RangeUsage {
  let residentBytes = 0;
  let accountedBytes = 0;
  let start = 0;
  let end = 0;
  let inside = false;
  for (const line of readFileSync("/proc/self/smaps", "latin1").split("\n")) {
    const header = HEADER.exec(line);
    if (header) {
      start = Number.parseInt(header[1]!, 16);
      end = Number.parseInt(header[2]!, 16);
      inside = end > low && start < high;
      continue;
    }
    if (!inside) continue;
    if (line.startsWith("Rss:") && start >= low && end <= high) {
      residentBytes += Number.parseInt(line.slice(4), 10) * 1024;
    } else if (line.startsWith("VmFlags:") && line.split(" ").includes("ac")) {
      accountedBytes += Math.min(end, high) - Math.max(start, low);
    }
  }
  return { residentBytes, accountedBytes };
}
