import { describe, expect, it } from "vitest";

describe("memory64 project host", () => {
  it("runs on Node 24 or later, where a memory64 memory grows past 4 GiB", () => {
    expect(Number(process.versions.node.split(".")[0])).toBeGreaterThanOrEqual(24);
    const memory = new WebAssembly.Memory({
      address: "i64",
      initial: 0n,
      maximum: 262144n,
    } as unknown as WebAssembly.MemoryDescriptor);
    const grow = memory.grow as unknown as (pages: bigint) => bigint;
    // 5 GiB: nothing is touched, so nothing is committed.
    expect(grow.call(memory, 81920n)).toBe(0n);
    expect(memory.buffer.byteLength).toBe(5 * 2 ** 30);
    const bytes = new Uint8Array(memory.buffer);
    bytes[4.5 * 2 ** 30] = 0xa5;
    expect(bytes[4.5 * 2 ** 30]).toBe(0xa5);
  });
});
