import type { MemoryAccess } from "@osal/core";
import type { BlockSpace } from "./heap-blocks.js";
import {
  dataView,
  type ObjectRef,
  objectSize,
  parseHeader,
  readHeader,
  readSlots,
  writeDead,
  writeMark,
} from "./heap-object.js";

/*
 * Note [Mark and sweep by block]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * Mark: from the roots, follow reference slots with an explicit worklist (no
 * recursion, so long lists cannot overflow the JS stack). An object is marked by
 * writing the collection's epoch into its mark byte; epochs alternate between 1
 * and 2, so marks never need clearing: anything not carrying this epoch was not
 * reached this time. Marking counts the live objects of each block.
 *
 * Sweep: every committed block with no live object is given back to the OS.
 * In the other blocks the objects are walked (they lie end to end from the block
 * start, each header giving its size) and the unmarked ones are marked dead, so
 * a stale reference to one is refused instead of resurrecting it. Their bytes
 * stay until the whole block dies: Immix would reuse those lines, this heap keeps
 * to whole blocks, the unit it trades with the OS. Nothing moves, so references
 * to live objects stay valid.
 */

/** What one collection found and did. */
export interface CollectionReport {
  /** Objects reachable from the roots: they survived. */
  readonly liveObjects: number;
  /** Bytes those objects occupy, headers included. */
  readonly liveBytes: number;
  /** Objects found unreachable: they can no longer be used. */
  readonly reclaimedObjects: number;
  /** Blocks given back to the OS by this collection. */
  readonly releasedBlocks: number;
  /** Blocks still committed afterwards. */
  readonly committedBlocks: number;
}

/** Result of {@link mark}. */
export interface MarkResult {
  /** Live objects per block index. */
  readonly liveByBlock: readonly number[];
  /** Objects marked. */
  readonly liveObjects: number;
  /** Bytes of the objects marked. */
  readonly liveBytes: number;
}

/**
 * Marks every object reachable from `roots` with `epoch` (1 or 2, the other one
 * than last time) and counts the live objects of each block. Roots and slots hold
 * valid references: the heap checks them when they are stored.
 */
export function mark(
  memory: MemoryAccess,
  space: BlockSpace,
  roots: Iterable<ObjectRef>,
  epoch: number,
): MarkResult {
  const liveByBlock = new Array<number>(space.layout.blockCount).fill(0);
  const worklist: ObjectRef[] = [...roots];
  let liveObjects = 0;
  let liveBytes = 0;
  for (let ref = worklist.pop(); ref !== undefined; ref = worklist.pop()) {
    const header = readHeader(memory, ref);
    if (header?.state !== "live") throw new Error(`heap corrupted: no live object at ${ref}`);
    if (header.mark === epoch) continue;
    writeMark(memory, ref, epoch);
    const block = space.blockOf(ref)!;
    liveByBlock[block] = (liveByBlock[block] ?? 0) + 1;
    liveObjects++;
    liveBytes += objectSize(header);
    for (const target of readSlots(memory, space.layout.start, ref, header.refs)) {
      if (target !== null) worklist.push(target);
    }
  }
  return { liveByBlock, liveObjects, liveBytes };
}

/**
 * Gives back every committed block without live objects and marks the unmarked
 * objects of the other blocks dead; returns the number of blocks given back. A
 * backend error stops the sweep and is thrown: blocks already given back stay
 * given back, the others stay committed (see `BlockSpace.release`).
 */
export function sweep(
  memory: MemoryAccess,
  space: BlockSpace,
  liveByBlock: readonly number[],
  epoch: number,
): number {
  let released = 0;
  for (const block of space.committedBlocks()) {
    if ((liveByBlock[block] ?? 0) === 0) {
      space.release(block);
      released++;
    } else {
      killUnmarked(memory, space, block, epoch);
    }
  }
  return released;
}

/** Marks dead every live object of `block` that does not carry `epoch`. */
function killUnmarked(memory: MemoryAccess, space: BlockSpace, block: number, epoch: number): void {
  const start = space.blockStart(block);
  const used = space.usedBytes(block);
  const view = dataView(memory.read(start, used));
  let offset = 0;
  while (offset < used) {
    const header = parseHeader(view, offset);
    if (header === undefined) throw new Error(`heap corrupted: no object at ${start + offset}`);
    if (header.state === "live" && header.mark !== epoch) {
      writeDead(memory, (start + offset) as ObjectRef);
    }
    offset += objectSize(header);
  }
}
