import { MemoryFault, MmapProtection } from "@osal/core";
import { createMockUnix } from "@osal/mock-unix";
import { describe, expect, it } from "vitest";
import { Heap } from "../src/heap.js";
import { HeapOutOfMemoryError, InvalidReferenceError } from "../src/heap-errors.js";
import type { ObjectRef } from "../src/heap-object.js";
import { accessibleInHeap, joined, pattern, targets } from "./backends.js";

const KiB = 1024;

describe.each(targets)("heap on the $target target", ({ make }) => {
  it("reserves without committing, then commits one block for the first object", () => {
    const os = make();
    const heap = Heap.create(os, { reservedBytes: 1024 * KiB });
    const reservation = os.getMappings().find((m) => m.start === heap.layout.start);
    expect(reservation?.prot).toBe(MmapProtection.NoAccess);
    expect(reservation?.annotation).toEqual({ kind: "space", name: "gc-heap" });
    expect(heap.layout).toMatchObject({ size: 1024 * KiB, blockSize: 64 * KiB, blockCount: 16 });
    expect(accessibleInHeap(os, heap)).toEqual([]);

    heap.alloc({ refs: 0, bytes: 16 });
    expect(accessibleInHeap(os, heap)).toEqual([[heap.layout.start, heap.layout.start + 64 * KiB]]);
  });

  it("does what the README's example says", () => {
    const heap = Heap.create(make(), { reservedBytes: 16 * 1024 * KiB });
    const list = heap.alloc({ refs: 1, bytes: 16 });
    heap.addRoot(list);
    heap.setRef(list, 0, heap.alloc({ refs: 0, bytes: 64 }));
    heap.alloc({ refs: 0, bytes: 4000 });
    expect(heap.collect()).toMatchObject({
      liveObjects: 2,
      reclaimedObjects: 1,
      releasedBlocks: 0,
    });
  });

  it("hands out null slots and zero data, and reads back what was written across collections", () => {
    const heap = Heap.create(make(), { reservedBytes: 512 * KiB });
    const a = heap.alloc({ refs: 2, bytes: 100 });
    expect(heap.shapeOf(a)).toEqual({ refs: 2, bytes: 100 });
    expect(heap.getRef(a, 0)).toBeNull();
    expect(heap.readData(a)).toEqual(new Uint8Array(100));
    const b = heap.alloc({ refs: 0, bytes: 3000 });
    heap.writeData(a, pattern(1, 100));
    heap.writeData(b, pattern(2, 3000));
    heap.writeData(b, pattern(3, 10), 500);
    heap.setRef(a, 1, b);
    heap.addRoot(a);
    for (let i = 0; i < 3; i++) {
      heap.alloc({ refs: 0, bytes: 2000 });
      heap.collect();
    }
    const expected = pattern(2, 3000);
    expected.set(pattern(3, 10), 500);
    expect(heap.readData(a)).toEqual(pattern(1, 100));
    expect(heap.getRef(a, 1)).toBe(b);
    expect(heap.readData(b)).toEqual(expected);
    expect(heap.readData(b, 500, 10)).toEqual(pattern(3, 10));
  });

  it("keeps reachable graphs with cycles and shared nodes, reclaims the rest", () => {
    const heap = Heap.create(make(), { reservedBytes: 512 * KiB });
    const root = heap.alloc({ refs: 2, bytes: 0 });
    const left = heap.alloc({ refs: 1, bytes: 8 });
    const right = heap.alloc({ refs: 1, bytes: 8 });
    const shared = heap.alloc({ refs: 1, bytes: 8 });
    heap.setRef(root, 0, left);
    heap.setRef(root, 1, right);
    heap.setRef(left, 0, shared);
    heap.setRef(right, 0, shared);
    heap.setRef(shared, 0, root);
    const garbage = heap.alloc({ refs: 1, bytes: 8 });
    heap.setRef(garbage, 0, garbage);
    heap.addRoot(root);

    const report = heap.collect();
    expect(report).toMatchObject({ liveObjects: 4, reclaimedObjects: 1 });
    const viaRight = heap.getRef(root, 1);
    expect(viaRight).toBe(right);
    const sharedAgain = heap.getRef(right, 0);
    expect(sharedAgain).toBe(shared);
    expect(heap.getRef(shared, 0)).toBe(root);
    expect(heap.getRef(left, 0)).toBe(shared);
    expect(() => heap.getRef(garbage, 0)).toThrow(InvalidReferenceError);
    expect(() => heap.setRef(root, 0, garbage)).toThrow(InvalidReferenceError);
    expect(heap.collect()).toMatchObject({ liveObjects: 4, reclaimedObjects: 0 });
    expect(heap.stats()).toMatchObject({ objects: 4, objectsReclaimed: 1, collections: 2 });
  });

  it("returns blocks with nothing alive to the OS and commits them again later", () => {
    const os = make();
    const heap = Heap.create(os, { reservedBytes: 1024 * KiB });
    const keep = heap.alloc({ refs: 0, bytes: 8 });
    heap.addRoot(keep);
    const temporaries: ObjectRef[] = [];
    for (let i = 0; i < 60; i++) temporaries.push(heap.alloc({ refs: 0, bytes: 4000 }));
    expect(heap.stats().committedBlocks).toBe(4);

    const report = heap.collect();
    expect(report).toMatchObject({ liveObjects: 1, releasedBlocks: 3, committedBlocks: 1 });
    const first = heap.layout.start;
    expect(accessibleInHeap(os, heap)).toEqual([[first, first + 64 * KiB]]);
    expect(joined(heap.committedRanges())).toEqual(accessibleInHeap(os, heap));
    expect(() => heap.readData(temporaries[30]!)).toThrow(/given back to the OS/);

    const again = heap.alloc({ refs: 0, bytes: 60 * KiB });
    expect(heap.readData(again)).toEqual(new Uint8Array(60 * KiB));
    expect(again).toBe(first + 64 * KiB);
    expect(heap.stats()).toMatchObject({ blockCommits: 5, blocksReleased: 3, committedBlocks: 2 });
  });

  it("throws HeapOutOfMemoryError when the reservation is full and stays usable", () => {
    const heap = Heap.create(make(), { reservedBytes: 256 * KiB });
    const head = heap.alloc({ refs: 1, bytes: 1000 });
    heap.addRoot(head);
    let tail = head;
    let error: unknown;
    for (;;) {
      try {
        const node = heap.alloc({ refs: 1, bytes: 1000 });
        heap.setRef(tail, 0, node);
        tail = node;
      } catch (caught) {
        error = caught;
        break;
      }
    }
    expect(error).toBeInstanceOf(HeapOutOfMemoryError);
    expect(error).toMatchObject({ reason: "heap-full", requestedBytes: 1016 });
    const before = heap.stats();
    expect(before.committedBlocks).toBe(4);
    expect(() => heap.alloc({ refs: 0, bytes: 8 })).not.toThrow();
    expect(heap.getRef(head, 0)).not.toBeNull();

    heap.removeRoot(head);
    expect(heap.collect()).toMatchObject({ liveObjects: 0, releasedBlocks: 4 });
    const fresh = heap.alloc({ refs: 0, bytes: 1000 });
    heap.writeData(fresh, pattern(9, 1000));
    expect(heap.readData(fresh)).toEqual(pattern(9, 1000));
  });

  it("refuses an object larger than a block with reason too-large", () => {
    const heap = Heap.create(make(), { reservedBytes: 256 * KiB });
    expect(() => heap.alloc({ refs: 0, bytes: 64 * KiB })).toThrow(
      expect.objectContaining({ name: "HeapOutOfMemoryError", reason: "too-large" }),
    );
    expect(heap.stats()).toMatchObject({ objectsAllocated: 0, committedBlocks: 0 });
    expect(heap.alloc({ refs: 0, bytes: 64 * KiB - 8 })).toBe(heap.layout.start);
  });

  it("rejects bad input with clear errors and changes nothing", () => {
    const heap = Heap.create(make(), { reservedBytes: 256 * KiB });
    const a = heap.alloc({ refs: 1, bytes: 4 });
    heap.writeData(a, pattern(1, 4));
    expect(() => heap.alloc({ refs: -1, bytes: 0 })).toThrow(RangeError);
    expect(() => heap.alloc({ refs: 0, bytes: 1.5 })).toThrow(RangeError);
    expect(() => heap.setRef(a, 1, null)).toThrow(RangeError);
    expect(() => heap.writeData(a, pattern(2, 5))).toThrow(RangeError);
    expect(() => heap.readData(a, 3, 2)).toThrow(RangeError);
    expect(() => heap.getRef((a + 4) as ObjectRef, 0)).toThrow(InvalidReferenceError);
    expect(() => heap.getRef((a + 64) as ObjectRef, 0)).toThrow(/nothing allocated/);
    const outside = heap.layout.start + heap.layout.size + 64;
    expect(() => heap.getRef(outside as ObjectRef, 0)).toThrow(/not in the heap/);
    expect(() => heap.removeRoot(a)).toThrow(RangeError);
    expect(heap.readData(a)).toEqual(pattern(1, 4));
    expect(heap.stats().objectsAllocated).toBe(1);
    expect(() => Heap.create(make(), { blockSize: 3000 })).toThrow(RangeError);
    expect(() => Heap.create(make(), { reservedBytes: 100 * KiB })).toThrow(RangeError);
  });

  it("counts nested roots and unmaps everything on dispose", () => {
    const os = make();
    const heap = Heap.create(os, { reservedBytes: 256 * KiB });
    const a = heap.alloc({ refs: 0, bytes: 8 });
    heap.addRoot(a);
    heap.addRoot(a);
    heap.removeRoot(a);
    expect(heap.collect().liveObjects).toBe(1);
    heap.removeRoot(a);
    expect(heap.rootCount).toBe(0);
    expect(heap.collect().liveObjects).toBe(0);
    heap.dispose();
    expect(os.getMappings()).toEqual([]);
    expect(() => heap.alloc({ refs: 0, bytes: 8 })).toThrow(/disposed/);
  });
});

describe("heap on mock-unix only", () => {
  it("gives released pages back: the footprint falls to the blocks still committed", () => {
    const os = createMockUnix();
    const heap = Heap.create(os, { reservedBytes: 1024 * KiB });
    expect(os.stats().footprintBytes).toBe(0);
    const keep = heap.alloc({ refs: 0, bytes: 8 });
    heap.addRoot(keep);
    for (let i = 0; i < 200; i++)
      heap.writeData(heap.alloc({ refs: 0, bytes: 4000 }), pattern(i, 4000));
    expect(heap.stats().committedBlocks).toBe(13);
    expect(os.stats().footprintBytes).toBeGreaterThan(12 * 64 * KiB);
    heap.collect();
    expect(heap.stats().committedBlocks).toBe(1);
    expect(os.stats().footprintBytes).toBeGreaterThan(0);
    expect(os.stats().footprintBytes).toBeLessThanOrEqual(64 * KiB);
  });

  it("a stale address into a released block faults in the backend itself", () => {
    const os = createMockUnix();
    const heap = Heap.create(os, { reservedBytes: 256 * KiB });
    const dead = heap.alloc({ refs: 0, bytes: 8 });
    heap.collect();
    expect(() => os.read(dead, 8)).toThrow(MemoryFault);
  });

  it("turns the OS refusing a commit (ENOMEM) into HeapOutOfMemoryError os-refused", () => {
    const os = createMockUnix();
    const heap = Heap.create(os, { reservedBytes: 256 * KiB });
    os.faults.failNth(1, "ENOMEM", "mprotect");
    const error = (() => {
      try {
        heap.alloc({ refs: 0, bytes: 8 });
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(HeapOutOfMemoryError);
    expect(error).toMatchObject({ reason: "os-refused", cause: { code: "ENOMEM" } });
    expect(heap.stats()).toMatchObject({ objectsAllocated: 0, committedBlocks: 0 });
    expect(heap.alloc({ refs: 0, bytes: 8 })).toBe(heap.layout.start);
  });

  it("passes other OS errors through and stays consistent when a sweep fails", () => {
    const os = createMockUnix();
    const heap = Heap.create(os, { reservedBytes: 512 * KiB });
    const keep = heap.alloc({ refs: 0, bytes: 8 });
    heap.writeData(keep, pattern(4, 8));
    heap.addRoot(keep);
    for (let i = 0; i < 40; i++) heap.alloc({ refs: 0, bytes: 4000 });
    os.faults.failNth(2, "EIO", "madvise");
    expect(() => heap.collect()).toThrow(expect.objectContaining({ code: "EIO" }));
    expect(heap.stats().committedBlocks).toBe(2);
    expect(heap.collect()).toMatchObject({ releasedBlocks: 1, committedBlocks: 1 });
    expect(heap.readData(keep)).toEqual(pattern(4, 8));
    expect(joined(heap.committedRanges())).toEqual(accessibleInHeap(os, heap));
  });
});
