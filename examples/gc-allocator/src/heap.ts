import type { OSMemory } from "@osal/core";
import { BlockSpace, type HeapLayout } from "./heap-blocks.js";
import { type CollectionReport, mark, sweep } from "./heap-collector.js";
import { HeapOutOfMemoryError, InvalidReferenceError } from "./heap-errors.js";
import {
  dataAddress,
  MAX_REFS,
  type ObjectHeader,
  type ObjectRef,
  type ObjectShape,
  objectSize,
  readHeader,
  readSlots,
  writeHeader,
  writeSlot,
} from "./heap-object.js";
import { type HeapOptions, resolveHeapOptions } from "./heap-options.js";

/*
 * Note [A heap against @osal/core alone]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * This file and the other heap-*.ts files import nothing but `@osal/core`: the
 * heap takes an `OSMemory` and never learns which backend it is. Tests hand it
 * mock-unix, production hands it the wasm page manager (targets.ts); the code
 * here is the same for both. Everything it needs from the OS is:
 *   - reserve:  dzmmapAnywhere(QUARANTINE)          (heap-blocks.ts)
 *   - commit:   setMemoryAccess(ReadWrite)          (heap-blocks.ts)
 *   - release:  madvise(dontneed) + setMemoryAccess(NoAccess)
 *   - bytes:    read / write / fill                 (heap-object.ts)
 *   - OOM:      isMmapOom, to tell "out of memory" from a bug
 *
 * Allocation bumps a cursor through the current block and commits the next
 * block when the object does not fit. Collection is explicit (`collect()`),
 * from an explicit root set: a runtime would call it when `alloc` throws
 * `HeapOutOfMemoryError`, or on its own schedule.
 */

/** Figures a heap keeps about itself. */
export interface HeapStats {
  /** Objects allocated since the heap was made. */
  readonly objectsAllocated: number;
  /** Bytes allocated since the heap was made, headers included. */
  readonly bytesAllocated: number;
  /** Objects allocated and not found unreachable yet. */
  readonly objects: number;
  /** Collections run. */
  readonly collections: number;
  /** Objects found unreachable by all collections together. */
  readonly objectsReclaimed: number;
  /** Blocks committed now. */
  readonly committedBlocks: number;
  /** The most blocks committed at once. */
  readonly peakCommittedBlocks: number;
  /** Blocks committed so far, counting each reuse of a block again. */
  readonly blockCommits: number;
  /** Blocks given back to the OS so far. */
  readonly blocksReleased: number;
}

/**
 * A garbage-collected heap of objects with reference slots and data bytes, in
 * one address range reserved from any osal backend. Objects are referred to by
 * {@link ObjectRef}s (their addresses). An object survives a collection when it
 * is reachable from a root ({@link Heap.addRoot}); hold references across a
 * `collect()` only to rooted or reachable objects: a reference to an object a
 * collection found unreachable is refused with `InvalidReferenceError` after it.
 */
export class Heap {
  /** Where the heap lives: reservation start and size, block size and count. */
  readonly layout: HeapLayout;
  private readonly os: OSMemory;
  private readonly space: BlockSpace;
  private readonly roots = new Map<ObjectRef, number>();
  private current: number | undefined;
  private epoch = 2;
  private disposed = false;
  private objectsAllocated = 0;
  private bytesAllocated = 0;
  private objects = 0;
  private collections = 0;
  private objectsReclaimed = 0;
  private peakCommittedBlocks = 0;

  private constructor(os: OSMemory, space: BlockSpace) {
    this.os = os;
    this.space = space;
    this.layout = space.layout;
  }

  /**
   * Reserves a heap on `os`. Nothing is committed until the first allocation.
   * Bad options throw a `RangeError`; a backend that cannot reserve the range
   * throws its `MmapError`.
   */
  static create(os: OSMemory, options: HeapOptions = {}): Heap {
    return new Heap(os, BlockSpace.reserve(os, resolveHeapOptions(options, os.pageSize)));
  }

  /**
   * A new object with `shape.refs` null slots and `shape.bytes` zero bytes.
   * Throws `HeapOutOfMemoryError` (heap unchanged) when it cannot be placed, a
   * `RangeError` for a bad shape.
   */
  alloc(shape: ObjectShape): ObjectRef {
    this.checkUsable();
    checkShape(shape);
    const size = objectSize(shape);
    if (size > this.layout.blockSize) throw new HeapOutOfMemoryError("too-large", size);
    let address = this.current === undefined ? undefined : this.space.bump(this.current, size);
    if (address === undefined) {
      const block = this.commitBlock(size);
      this.current = block;
      address = this.space.bump(block, size)!;
    }
    const ref = writeHeader(this.os, address, shape);
    this.objectsAllocated++;
    this.objects++;
    this.bytesAllocated += size;
    return ref;
  }

  /** The slot count and data length of the object at `ref`. */
  shapeOf(ref: ObjectRef): ObjectShape {
    const { refs, bytes } = this.header(ref);
    return { refs, bytes };
  }

  /** The reference in slot `slot` of `ref`, `null` when empty. */
  getRef(ref: ObjectRef, slot: number): ObjectRef | null {
    const header = this.header(ref);
    checkIndex("slot", slot, header.refs);
    return readSlots(this.os, this.layout.start, ref, header.refs)[slot]!;
  }

  /** Stores `target` (or `null`) in slot `slot` of `ref`; `target` is checked first. */
  setRef(ref: ObjectRef, slot: number, target: ObjectRef | null): void {
    const header = this.header(ref);
    checkIndex("slot", slot, header.refs);
    if (target !== null) this.header(target);
    writeSlot(this.os, this.layout.start, ref, slot, target);
  }

  /** A copy of `length` data bytes of `ref` from `offset` (default: all of them). */
  readData(ref: ObjectRef, offset = 0, length?: number): Uint8Array {
    const header = this.header(ref);
    const count = length ?? header.bytes - offset;
    checkSpan(offset, count, header.bytes);
    return this.os.read(dataAddress(ref, header.refs) + offset, count);
  }

  /** Copies `bytes` into the data of `ref` at `offset`; must fit within the data. */
  writeData(ref: ObjectRef, bytes: Uint8Array, offset = 0): void {
    const header = this.header(ref);
    checkSpan(offset, bytes.length, header.bytes);
    this.os.write(dataAddress(ref, header.refs) + offset, bytes);
  }

  /** Makes `ref` a root: it and everything it reaches survive collections. Counts nesting. */
  addRoot(ref: ObjectRef): void {
    this.header(ref);
    this.roots.set(ref, (this.roots.get(ref) ?? 0) + 1);
  }

  /** Undoes one {@link Heap.addRoot} of `ref`; a `RangeError` if `ref` is not a root. */
  removeRoot(ref: ObjectRef): void {
    const count = this.roots.get(ref);
    if (count === undefined) throw new RangeError(`${ref} is not a root`);
    if (count === 1) this.roots.delete(ref);
    else this.roots.set(ref, count - 1);
  }

  /** The number of distinct root objects. */
  get rootCount(): number {
    return this.roots.size;
  }

  /**
   * Marks what the roots reach, then gives every block without a live object
   * back to the OS. A backend error during the sweep is thrown with the heap
   * consistent (live objects intact; some empty blocks possibly still committed,
   * given back by a later collection).
   */
  collect(): CollectionReport {
    this.checkUsable();
    this.epoch = this.epoch === 1 ? 2 : 1;
    const marked = mark(this.os, this.space, this.roots.keys(), this.epoch);
    this.collections++;
    const reclaimed = this.objects - marked.liveObjects;
    this.objects = marked.liveObjects;
    this.objectsReclaimed += reclaimed;
    if (this.current !== undefined && marked.liveByBlock[this.current] === 0) {
      this.current = undefined;
    }
    const releasedBlocks = sweep(this.os, this.space, marked.liveByBlock, this.epoch);
    return {
      liveObjects: marked.liveObjects,
      liveBytes: marked.liveBytes,
      reclaimedObjects: reclaimed,
      releasedBlocks,
      committedBlocks: this.space.committedBlocks().length,
    };
  }

  /** The committed blocks as `[start, end)` address ranges, ascending. */
  committedRanges(): { readonly start: number; readonly end: number }[] {
    return this.space.committedBlocks().map((block) => {
      const start = this.space.blockStart(block);
      return { start, end: start + this.layout.blockSize };
    });
  }

  /** The heap's figures now. */
  stats(): HeapStats {
    return {
      objectsAllocated: this.objectsAllocated,
      bytesAllocated: this.bytesAllocated,
      objects: this.objects,
      collections: this.collections,
      objectsReclaimed: this.objectsReclaimed,
      committedBlocks: this.space.committedBlocks().length,
      peakCommittedBlocks: this.peakCommittedBlocks,
      blockCommits: this.space.commits,
      blocksReleased: this.space.releases,
    };
  }

  /** Unmaps the whole reservation. Any later call throws. */
  dispose(): void {
    this.checkUsable();
    this.space.dispose();
    this.disposed = true;
    this.roots.clear();
    this.current = undefined;
  }

  private commitBlock(size: number): number {
    let block: number | undefined;
    try {
      block = this.space.commit();
    } catch (error) {
      if (this.os.isMmapOom(error)) throw new HeapOutOfMemoryError("os-refused", size, error);
      throw error;
    }
    if (block === undefined) throw new HeapOutOfMemoryError("heap-full", size);
    this.peakCommittedBlocks = Math.max(
      this.peakCommittedBlocks,
      this.space.committedBlocks().length,
    );
    return block;
  }

  /** The header of the live object at `ref`, or `InvalidReferenceError`. */
  private header(ref: ObjectRef): ObjectHeader {
    this.checkUsable();
    const block = typeof ref === "number" ? this.space.blockOf(ref) : undefined;
    if (block === undefined) throw new InvalidReferenceError(ref, "not in the heap");
    if (!this.space.isCommitted(block)) {
      throw new InvalidReferenceError(ref, "its block was given back to the OS");
    }
    if (ref - this.space.blockStart(block) >= this.space.usedBytes(block)) {
      throw new InvalidReferenceError(ref, "nothing allocated there");
    }
    const header = ref % 8 === 0 ? readHeader(this.os, ref) : undefined;
    if (header === undefined) throw new InvalidReferenceError(ref, "not the start of an object");
    if (header.state === "dead") {
      throw new InvalidReferenceError(ref, "the object was found unreachable and reclaimed");
    }
    return header;
  }

  private checkUsable(): void {
    if (this.disposed) throw new Error("the heap was disposed");
  }
}

function checkShape(shape: ObjectShape): void {
  if (!Number.isSafeInteger(shape.refs) || shape.refs < 0 || shape.refs > MAX_REFS) {
    throw new RangeError(`refs must be an integer in 0..${MAX_REFS}, got ${shape.refs}`);
  }
  if (!Number.isSafeInteger(shape.bytes) || shape.bytes < 0 || shape.bytes > 0xffffffff) {
    throw new RangeError(`bytes must be a non-negative 32-bit integer, got ${shape.bytes}`);
  }
}

function checkIndex(what: string, index: number, count: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new RangeError(`${what} ${index} out of range 0..${count - 1}`);
  }
}

function checkSpan(offset: number, length: number, size: number): void {
  if (
    !Number.isSafeInteger(offset) ||
    !Number.isSafeInteger(length) ||
    offset < 0 ||
    length < 0 ||
    offset + length > size
  ) {
    throw new RangeError(`bytes ${offset}+${length} outside the object's ${size} data bytes`);
  }
}
