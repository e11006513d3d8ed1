import { describe, expect, it } from "vitest";
import {
  createLinearMemory,
  currentBuffer,
  currentByteLength,
  type LinearMemory,
  WASM_PAGE_SIZE,
} from "../src/index.js";

/** A shared memory as a thread that did not grow it sees it: `buffer` stale until `grow`. */
function staleView(memory: LinearMemory): LinearMemory & { grows: number[] } {
  let seen = memory.buffer;
  const grows: number[] = [];
  return {
    grows,
    get buffer() {
      return seen;
    },
    grow(delta: number) {
      grows.push(delta);
      const old = memory.grow(delta);
      seen = memory.buffer;
      return old;
    },
  };
}

describe("currentBuffer", () => {
  it("gives a shared memory's length now, though this view's buffer is stale", () => {
    const memory = createLinearMemory(16 * WASM_PAGE_SIZE, true);
    memory.grow(1);
    const view = staleView(memory);
    memory.grow(3); // another thread
    expect(view.buffer.byteLength).toBe(WASM_PAGE_SIZE);
    expect(currentByteLength(view)).toBe(4 * WASM_PAGE_SIZE);
    expect(currentBuffer(view).byteLength).toBe(4 * WASM_PAGE_SIZE);
    expect(view.grows).toEqual([0, 0]);
  });

  it("leaves a non-shared memory alone: its buffer is current, and grow(0) would detach it", () => {
    const memory = createLinearMemory(16 * WASM_PAGE_SIZE);
    memory.grow(2);
    const before = memory.buffer;
    expect(currentBuffer(memory)).toBe(before);
    expect(currentByteLength(memory)).toBe(2 * WASM_PAGE_SIZE);
    expect(before.byteLength).toBe(2 * WASM_PAGE_SIZE);
  });
});
