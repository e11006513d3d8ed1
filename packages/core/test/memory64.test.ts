import { describe, expect, it } from "vitest";
import {
  createLinearMemory,
  defaultMaximumBytes,
  growMemoryPages,
  hostHasMemory64,
  isMemory64,
  MEMORY64_MAX_BYTES,
  maximumBytesLimit,
  WASM_PAGE_SIZE,
  WASM32_MAX_BYTES,
} from "../src/index.js";

// Node 20 (this project's Node) has no memory64 without a flag: everything
// here is memory32. The memory64 side runs on Node 24 in tests/memory64.
describe("memory64 helpers on a host without memory64", () => {
  it("a memory32 memory is not memory64, grows by number, and keeps its 4 GiB limit", () => {
    const memory = createLinearMemory(4 * WASM_PAGE_SIZE);
    const before = memory.buffer;
    expect(isMemory64(memory)).toBe(false);
    // The probe neither grew nor detached the memory.
    expect(memory.buffer).toBe(before);
    expect(memory.buffer.byteLength).toBe(0);
    expect(growMemoryPages(memory, 2)).toBe(0);
    expect(memory.buffer.byteLength).toBe(2 * WASM_PAGE_SIZE);
    expect(maximumBytesLimit(memory)).toBe(WASM32_MAX_BYTES);
    expect(defaultMaximumBytes(memory)).toBe(WASM32_MAX_BYTES);
  });

  it("a wrapper object is memory32 unless its type() says i64, and its grow is never probed", () => {
    const calls: unknown[] = [];
    const inner = createLinearMemory(4 * WASM_PAGE_SIZE);
    const wrapper = {
      get buffer() {
        return inner.buffer;
      },
      grow(delta: number) {
        calls.push(delta);
        return inner.grow(delta);
      },
    };
    expect(isMemory64(wrapper)).toBe(false);
    expect(calls).toEqual([]);
    const declared = { ...wrapper, type: () => ({ address: "i64" }) };
    expect(isMemory64(declared)).toBe(true);
  });

  it("without memory64 in the host, nothing above 4 GiB can be created: ENOTSUP, and the limit stays 4 GiB", () => {
    expect(hostHasMemory64()).toBe(false);
    expect(maximumBytesLimit(undefined)).toBe(WASM32_MAX_BYTES);
    expect(() => createLinearMemory(8 * 2 ** 30)).toThrow(
      expect.objectContaining({ code: "ENOTSUP" }),
    );
    expect(MEMORY64_MAX_BYTES % WASM_PAGE_SIZE).toBe(0);
    expect(Number.isSafeInteger(MEMORY64_MAX_BYTES)).toBe(true);
  });
});
