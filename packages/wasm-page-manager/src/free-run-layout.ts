import type { FreePageIndexLayout } from "@osal/linear-memory";
import { FreeRunIndex } from "./free-run-index.js";

/**
 * Where the page manager's {@link FreeRunIndex} lives in the engine's shared
 * state: its three arrays (longest, prefix, suffix; `2 * leaves` words each) one
 * after the other, so every worker attached to the state shares the index.
 */
export const FREE_RUN_LAYOUT: FreePageIndexLayout<FreeRunIndex> = Object.freeze({
  words: (totalPages: number) => 6 * FreeRunIndex.leavesFor(totalPages),
  view(words: Int32Array, totalPages: number, fresh: boolean): FreeRunIndex {
    const leaves = FreeRunIndex.leavesFor(totalPages);
    const index = new FreeRunIndex(
      leaves,
      words.subarray(0, 2 * leaves),
      words.subarray(2 * leaves, 4 * leaves),
      words.subarray(4 * leaves, 6 * leaves),
    );
    if (fresh) index.build(totalPages);
    return index;
  },
});
