import { formatBytes, hex } from "@osal/core";
import type { ScenarioResult } from "./scenario.js";

/** The lines `npm start` prints for a scenario run on the backend called `backend`. */
export function describeRun(backend: string, result: ScenarioResult): string[] {
  const { layout, heap, os, outOfMemory, recovery } = result;
  const released = result.collections.map((report) => report.releasedBlocks).join(", ");
  return [
    `backend: ${backend}`,
    `heap: ${formatBytes(layout.size)} reserved at ${hex(layout.start)}, ${layout.blockCount} blocks of ${formatBytes(layout.blockSize)}`,
    `allocated ${heap.objectsAllocated} objects (${formatBytes(heap.bytesAllocated)}) in ${heap.collections} collections; ${heap.objectsReclaimed} reclaimed, ${result.verifiedObjects} read back intact`,
    `blocks: ${heap.blockCommits} commits, ${heap.blocksReleased} returned to the OS (per request: ${released}), peak ${heap.peakCommittedBlocks} committed`,
    `out of memory (${outOfMemory.reason}) after ${outOfMemory.nodes} more objects; collecting returned ${recovery.releasedBlocks} blocks and allocation works again`,
    `os: footprint ${formatBytes(os.footprintBytes)} (peak ${formatBytes(os.peakFootprintBytes)}), ${os.calls.mmap} mmap, ${os.calls.mprotect} mprotect, ${os.calls.madvise} madvise, ${formatBytes(os.zeroedBytes)} zeroed`,
  ];
}
