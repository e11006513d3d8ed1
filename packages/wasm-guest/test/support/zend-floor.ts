import type { GuestResult } from "../../src/index.js";

/**
 * The alignment floor the zend guest prints as `floorBytes` in its result line:
 * the most 2 MiB slots its chunks and huge blocks held at once × 2 MiB (each owns
 * ceil(size / 2 MiB) slots), the lowest peak memory any placement could reach.
 * Throws if the line has none (a guest built before it reported one).
 */
export function zendFloorBytes(result: GuestResult): number {
  const floor = result.floorBytes;
  if (floor === undefined) throw new Error("the zend guest reported no floorBytes");
  return floor;
}

/** One line for the test output: peak memory, peak live and the floor, with their ratios. */
export function describeZendFigures(result: GuestResult): string {
  const MiB = 1024 * 1024;
  const floor = zendFloorBytes(result);
  const mib = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
  return (
    `zend ${result.toolchain}/${result.mman}: peak memory ${mib(result.peakMemoryBytes)}, ` +
    `peak live ${mib(result.peakLiveBytes)} (ratio ${(result.peakMemoryBytes / result.peakLiveBytes).toFixed(3)}), ` +
    `floor ${mib(floor)} (peak memory / floor ${(result.peakMemoryBytes / floor).toFixed(3)})`
  );
}
