import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Heap } from "../src/heap.js";
import { HeapOutOfMemoryError } from "../src/heap-errors.js";
import type { ObjectRef } from "../src/heap-object.js";
import { accessibleInHeap, joined, pattern, sameBytes, targets } from "./backends.js";

/*
 * Random programs against the heap and against a plain JS model of the object
 * graph: after every collection the heap must keep exactly the objects the
 * model can reach from its roots, with the same slots and bytes, and have
 * committed exactly the blocks that hold them.
 */

type Op =
  | { kind: "alloc"; refs: number; bytes: number; seed: number }
  | { kind: "root"; pick: number }
  | { kind: "unroot"; pick: number }
  | { kind: "link"; from: number; slot: number; to: number | null }
  | { kind: "write"; pick: number; seed: number }
  | { kind: "collect" };

const op: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      kind: fc.constant("alloc" as const),
      refs: fc.nat(3),
      bytes: fc.oneof(fc.nat(64), fc.integer({ min: 4000, max: 20000 })),
      seed: fc.nat(255),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("root" as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unroot" as const), pick: fc.nat() }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("link" as const),
      from: fc.nat(),
      slot: fc.nat(2),
      to: fc.option(fc.nat()),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("write" as const),
      pick: fc.nat(),
      seed: fc.nat(255),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("collect" as const) }) },
);

interface ModelObject {
  readonly ref: ObjectRef;
  readonly slots: (ModelObject | null)[];
  data: Uint8Array;
}

function pick<T>(items: readonly T[], n: number): T | undefined {
  return items.length === 0 ? undefined : items[n % items.length];
}

describe.each(targets)("heap against a model on the $target target", ({ make }) => {
  it("keeps exactly what the roots reach, bytes and all, and commits only blocks holding it", () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 20, maxLength: 100, size: "max" }), (ops) => {
        const os = make();
        const heap = Heap.create(os, { reservedBytes: 128 * 1024 });
        const objects: ModelObject[] = [];
        const roots: ModelObject[] = [];

        const check = () => {
          for (const object of objects) {
            expect(sameBytes(heap.readData(object.ref), object.data)).toBe(true);
            object.slots.forEach((target, slot) => {
              expect(heap.getRef(object.ref, slot)).toBe(target?.ref ?? null);
            });
          }
          expect(joined(heap.committedRanges())).toEqual(accessibleInHeap(os, heap));
        };

        for (const step of ops) {
          switch (step.kind) {
            case "alloc": {
              const before = heap.stats();
              let ref: ObjectRef;
              try {
                ref = heap.alloc({ refs: step.refs, bytes: step.bytes });
              } catch (error) {
                expect(error).toBeInstanceOf(HeapOutOfMemoryError);
                expect(heap.stats()).toEqual(before);
                break;
              }
              const object: ModelObject = {
                ref,
                slots: new Array<null>(step.refs).fill(null),
                data: pattern(step.seed, step.bytes),
              };
              heap.writeData(ref, object.data);
              objects.push(object);
              break;
            }
            case "root": {
              const object = pick(objects, step.pick);
              if (object === undefined) break;
              heap.addRoot(object.ref);
              roots.push(object);
              break;
            }
            case "unroot": {
              const index = roots.length === 0 ? -1 : step.pick % roots.length;
              if (index < 0) break;
              heap.removeRoot(roots[index]!.ref);
              roots.splice(index, 1);
              break;
            }
            case "link": {
              const from = pick(objects, step.from);
              if (from === undefined || from.slots.length === 0) break;
              const slot = step.slot % from.slots.length;
              const to = step.to === null ? null : pick(objects, step.to)!;
              heap.setRef(from.ref, slot, to?.ref ?? null);
              from.slots[slot] = to;
              break;
            }
            case "write": {
              const object = pick(objects, step.pick);
              if (object === undefined) break;
              object.data = pattern(step.seed, object.data.length);
              heap.writeData(object.ref, object.data);
              break;
            }
            case "collect": {
              const reachable = new Set<ModelObject>();
              const work = [...roots];
              for (let next = work.pop(); next !== undefined; next = work.pop()) {
                if (reachable.has(next)) continue;
                reachable.add(next);
                for (const target of next.slots) if (target !== null) work.push(target);
              }
              const report = heap.collect();
              expect(report.liveObjects).toBe(reachable.size);
              expect(report.reclaimedObjects).toBe(objects.length - reachable.size);
              const dead = objects.filter((object) => !reachable.has(object));
              objects.splice(0, objects.length, ...reachable);
              for (const object of dead) expect(() => heap.shapeOf(object.ref)).toThrow();
              const { start, blockSize } = heap.layout;
              const holding = new Set(objects.map((o) => Math.floor((o.ref - start) / blockSize)));
              expect(heap.stats().committedBlocks).toBe(holding.size);
              check();
              break;
            }
          }
        }
        check();
        heap.dispose();
      }),
      { numRuns: 100 },
    );
  });
});
