import { MmapStrategy } from "@osal/core";
import { createMockUnix } from "@osal/mock-unix";
import { wasmPageManagerCapabilities } from "@osal/wasm-page-manager";
import { describe, expect, it } from "vitest";
import { createHeapOS, PRODUCTION_MEMORY_BYTES } from "../src/targets.js";

describe("createHeapOS", () => {
  it("gives production the wasm page manager", () => {
    const os = createHeapOS("production");
    expect(os.capabilities).toBe(wasmPageManagerCapabilities);
    expect(os.addressSpaceEnd).toBe(PRODUCTION_MEMORY_BYTES);
  });

  it("has no built-in test backend: tests pass mock-unix in", () => {
    expect(() => createHeapOS("test")).toThrow(/no backend for target "test"/);
    const os = createHeapOS("test", { test: () => createMockUnix({ pageSize: 16384 }) });
    expect(os.pageSize).toBe(16384);
    expect(os.capabilities.enforcesProtection).toBe(true);
  });

  it("makes a fresh backend on every call", () => {
    // Identity is compared with ===: a failed toBe deep-compares two backends'
    // whole state, which takes a minute.
    const first = createHeapOS("production");
    const second = createHeapOS("production");
    expect(first === second).toBe(false);
    const start = first.dzmmapAnywhere(first.pageSize, first.pageSize, MmapStrategy.DEFAULT);
    expect(first.getMappings()).toHaveLength(1);
    expect(second.getMappings()).toEqual([]);
    first.munmap(start, first.pageSize);
  });
});
