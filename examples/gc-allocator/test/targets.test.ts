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
    expect(createHeapOS("production")).not.toBe(createHeapOS("production"));
  });
});
