import type { MemoryStats, OSMemory } from "@osal/core";
import { Heap, type HeapStats } from "./heap.js";
import type { HeapLayout } from "./heap-blocks.js";
import type { CollectionReport } from "./heap-collector.js";
import { HeapOutOfMemoryError, type OutOfMemoryReason } from "./heap-errors.js";
import type { ObjectRef } from "./heap-object.js";

/** How big a {@link runScenario} run is. The defaults take a few milliseconds. */
export interface ScenarioOptions {
  /** Requests served, one collection each. Default 4. */
  readonly rounds?: number;
  /** Objects in each request's list. Default 3000. */
  readonly nodesPerRound?: number;
  /** The heap's reservation in bytes. Default 2 MiB. */
  readonly reservedBytes?: number;
}

/** What a {@link runScenario} run saw. */
export interface ScenarioResult {
  /** Where the heap was and how it was cut. */
  readonly layout: HeapLayout;
  /** One report per request's collection, in order. */
  readonly collections: readonly CollectionReport[];
  /** Objects whose bytes were read back and matched after the collections. */
  readonly verifiedObjects: number;
  /** The allocation that ran out: after how many list nodes, and why. */
  readonly outOfMemory: { readonly nodes: number; readonly reason: OutOfMemoryReason };
  /** The collection after dropping the list that filled the heap. */
  readonly recovery: CollectionReport;
  /** The heap's figures at the end. */
  readonly heap: HeapStats;
  /** The backend's figures before the heap was disposed. */
  readonly os: MemoryStats;
}

const NODE = { refs: 1, bytes: 64 } as const;
const RESULT = { refs: 0, bytes: 8 } as const;

/**
 * A small server-like workload on a heap made on `os`: each round builds a
 * request (a rooted list of stamped nodes), stores a checksum object in a
 * long-lived table, drops the request and collects; then it fills the heap
 * until `HeapOutOfMemoryError`, drops that list, collects and allocates again.
 * Every stamp and checksum is checked on the way: a wrong byte throws. Runs the
 * same on every backend; the heap is disposed at the end.
 */
export function runScenario(os: OSMemory, options: ScenarioOptions = {}): ScenarioResult {
  const rounds = options.rounds ?? 4;
  const nodesPerRound = options.nodesPerRound ?? 3000;
  const heap = Heap.create(os, { reservedBytes: options.reservedBytes ?? 2 * 1024 * 1024 });
  const table = heap.alloc({ refs: rounds, bytes: 0 });
  heap.addRoot(table);

  const collections: CollectionReport[] = [];
  let verifiedObjects = 0;
  for (let round = 0; round < rounds; round++) {
    const head = buildList(heap, round, nodesPerRound);
    const sum = checkList(heap, head, round);
    verifiedObjects += nodesPerRound;
    const result = heap.alloc(RESULT);
    heap.writeData(result, u64(sum));
    heap.setRef(table, round, result);
    heap.removeRoot(head);
    collections.push(heap.collect());
  }
  for (let round = 0; round < rounds; round++) {
    const result = heap.getRef(table, round)!;
    const expected = u64(expectedChecksum(round, nodesPerRound));
    if (!sameBytes(heap.readData(result), expected)) {
      throw new Error(`checksum of round ${round} changed`);
    }
    verifiedObjects++;
  }

  const { head, nodes, reason } = fillHeap(heap);
  heap.removeRoot(head);
  const recovery = heap.collect();
  const after = heap.alloc(NODE);
  heap.writeData(after, nodeStamp(rounds, 0));
  if (!sameBytes(heap.readData(after), nodeStamp(rounds, 0))) {
    throw new Error("the allocation after running out reads back wrong");
  }

  const stats = heap.stats();
  const osStats = os.stats();
  const layout = heap.layout;
  heap.dispose();
  return {
    layout,
    collections,
    verifiedObjects,
    outOfMemory: { nodes, reason },
    recovery,
    heap: stats,
    os: osStats,
  };
}

/** The data bytes of node `index` of round `round`: recognisable and distinct. */
export function nodeStamp(round: number, index: number): Uint8Array {
  const bytes = new Uint8Array(NODE.bytes);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, round, true);
  view.setUint32(4, index, true);
  for (let i = 8; i < bytes.length; i++) bytes[i] = (round * 31 + index * 7 + i) & 0xff;
  return bytes;
}

function buildList(heap: Heap, round: number, count: number): ObjectRef {
  const head = heap.alloc(NODE);
  heap.addRoot(head);
  heap.writeData(head, nodeStamp(round, 0));
  let tail = head;
  for (let index = 1; index < count; index++) {
    const node = heap.alloc(NODE);
    heap.writeData(node, nodeStamp(round, index));
    heap.setRef(tail, 0, node);
    tail = node;
  }
  return head;
}

function checkList(heap: Heap, head: ObjectRef, round: number): number {
  let sum = 0;
  let index = 0;
  for (let node: ObjectRef | null = head; node !== null; node = heap.getRef(node, 0)) {
    const data = heap.readData(node);
    if (!sameBytes(data, nodeStamp(round, index))) {
      throw new Error(`node ${index} of round ${round} reads back wrong`);
    }
    sum += checksum(data);
    index++;
  }
  return sum;
}

function expectedChecksum(round: number, count: number): number {
  let sum = 0;
  for (let index = 0; index < count; index++) sum += checksum(nodeStamp(round, index));
  return sum;
}

function fillHeap(heap: Heap): { head: ObjectRef; nodes: number; reason: OutOfMemoryReason } {
  const head = heap.alloc(NODE);
  heap.addRoot(head);
  let tail = head;
  let nodes = 1;
  for (;;) {
    let node: ObjectRef;
    try {
      node = heap.alloc(NODE);
    } catch (error) {
      if (error instanceof HeapOutOfMemoryError) return { head, nodes, reason: error.reason };
      throw error;
    }
    heap.setRef(tail, 0, node);
    tail = node;
    nodes++;
  }
}

function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const byte of bytes) sum += byte;
  return sum;
}

function u64(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, BigInt(value), true);
  return bytes;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
