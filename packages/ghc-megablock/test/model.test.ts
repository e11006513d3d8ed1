import { KiB, MiB, MmapStrategy } from "@osal/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createGhcMegablock } from "../src/index.js";
import { wasmMemory } from "./helpers.js";

const MB = 64 * KiB;

type Op =
  | { kind: "get"; n: number; align: number }
  | { kind: "free"; pick: number; from: number; n: number }
  | { kind: "remap"; pick: number; n: number }
  | { kind: "foreign"; pages: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant("get" as const),
    n: fc.integer({ min: 1, max: 6 }),
    align: fc.constantFrom(1, 1, 2, 4),
  }),
  fc.record({
    kind: fc.constant("free" as const),
    pick: fc.nat(),
    from: fc.nat(),
    n: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    kind: fc.constant("remap" as const),
    pick: fc.nat(),
    n: fc.integer({ min: 1, max: 8 }),
  }),
  fc.record({ kind: fc.constant("foreign" as const), pages: fc.integer({ min: 1, max: 3 }) }),
);

interface Block {
  start: number;
  count: number;
  tag: number;
}

describe("random sequences against a model", () => {
  it("keep bytes, hand out only own megablocks, zero exactly the reused ones, grow only when needed", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5 }),
        fc.array(op, { maxLength: 40 }),
        (initial, ops) => {
          const memory = wasmMemory(initial);
          const os = createGhcMegablock({ memory, megablockSize: MB, maximumBytes: 4 * MiB });
          const own = new Set<number>(); // megablock indices this backend ever handed out or kept
          const foreign = new Set<number>(); // 64 KiB pages grown by "someone else" or there at start
          for (let page = 0; page < initial; page++) foreign.add(page);
          const everMapped = new Set<number>();
          let blocks: Block[] = [];
          let nextTag = 1;

          const freeRunExists = (n: number, align: number): boolean => {
            const mapped = new Set(blocks.flatMap((b) => range(b.start / MB, b.count)));
            let run = 0;
            for (let i = 0; i < memory.buffer.byteLength / MB; i++) {
              const free = own.has(i) && !mapped.has(i);
              run = free && (run > 0 || i % align === 0) ? run + 1 : 0;
              if (run >= n) return true;
            }
            return false;
          };

          const claimCheck = (start: number, count: number, zeroedBefore: number, skip = 0) => {
            let reused = 0;
            for (const index of range(start / MB, count)) {
              expect(foreign.has(index)).toBe(false);
              expect(index).toBeGreaterThan(0);
              if (everMapped.has(index) && index >= start / MB + skip) reused++;
              everMapped.add(index);
              own.add(index);
            }
            expect(os.stats().zeroedBytes - zeroedBefore).toBe(reused * MB);
          };

          for (const step of ops) {
            const zeroedBefore = os.stats().zeroedBytes;
            const sizeBefore = memory.buffer.byteLength;
            if (step.kind === "get") {
              const hadFit = freeRunExists(step.n, step.align);
              let start: number;
              try {
                start = os.dzmmapAnywhere(step.n * MB, step.align * MB, MmapStrategy.DEFAULT);
              } catch (error) {
                expect(os.isMmapOom(error)).toBe(true);
                expect(hadFit).toBe(false);
                expect(memory.buffer.byteLength).toBe(sizeBefore);
                continue;
              }
              expect(start % (step.align * MB)).toBe(0);
              if (hadFit) expect(memory.buffer.byteLength).toBe(sizeBefore);
              claimCheck(start, step.n, zeroedBefore);
              expect(os.read(start, step.n * MB).every((byte) => byte === 0)).toBe(true);
              const tag = nextTag++ % 256;
              os.fill(start, step.n * MB, tag);
              blocks.push({ start, count: step.n, tag });
            } else if (step.kind === "free" && blocks.length > 0) {
              const block = blocks[step.pick % blocks.length]!;
              const from = step.from % block.count;
              const n = Math.min(step.n, block.count - from);
              os.munmap(block.start + from * MB, n * MB);
              blocks = blocks.filter((b) => b !== block);
              if (from > 0) blocks.push({ start: block.start, count: from, tag: block.tag });
              if (from + n < block.count) {
                const rest = block.start + (from + n) * MB;
                blocks.push({ start: rest, count: block.count - from - n, tag: block.tag });
              }
            } else if (step.kind === "remap" && blocks.length > 0) {
              const block = blocks[step.pick % blocks.length]!;
              let moved: number;
              try {
                moved = os.mremap(block.start, block.count * MB, step.n * MB, { mayMove: true });
              } catch (error) {
                expect(os.isMmapOom(error)).toBe(true);
                continue;
              }
              if (step.n > block.count) {
                if (moved === block.start) {
                  claimCheck(moved + block.count * MB, step.n - block.count, zeroedBefore);
                } else {
                  claimCheck(moved, step.n, zeroedBefore, block.count);
                }
                const grown = os.read(moved + block.count * MB, (step.n - block.count) * MB);
                expect(grown.every((byte) => byte === 0)).toBe(true);
                os.fill(moved + block.count * MB, (step.n - block.count) * MB, block.tag);
              }
              block.start = moved;
              block.count = step.n;
            } else if (step.kind === "foreign") {
              try {
                const before = memory.grow(step.pages);
                for (let page = before; page < before + step.pages; page++) foreign.add(page);
              } catch {
                // The memory is at its maximum: nothing was grown.
              }
            }
            for (const block of blocks) {
              const bytes = os.read(block.start, block.count * MB);
              expect(bytes[0]).toBe(block.tag);
              expect(bytes[bytes.length - 1]).toBe(block.tag);
            }
            expect(os.stats().mappedBytes).toBe(blocks.reduce((sum, b) => sum + b.count * MB, 0));
            expect(os.stats().footprintBytes).toBe(memory.buffer.byteLength);
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});

function range(start: number, count: number): number[] {
  return Array.from({ length: count }, (_, i) => start + i);
}
