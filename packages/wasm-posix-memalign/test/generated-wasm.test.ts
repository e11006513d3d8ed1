import { describe, expect, it } from "vitest";
import { decodeBase64 } from "../src/base64.js";
import { allocatorMinimumPages, allocatorWasmBase64 } from "../src/generated/allocator-wasm.js";
import { allocatorWasm } from "./helpers.js";
import { wasm } from "./wasm.js";

describe("the committed wasm", () => {
  it("the generated TS module holds exactly the bytes of wasm/allocator.wasm", () => {
    const embedded = decodeBase64(allocatorWasmBase64);
    expect(embedded).toEqual(new Uint8Array(allocatorWasm()));
    expect(Buffer.from(embedded).toString("base64")).toBe(allocatorWasmBase64);
  });

  it("decodes with the platform's atob and refuses text that is not base64", () => {
    expect([...decodeBase64("AGFzbQ==")]).toEqual([0, 0x61, 0x73, 0x6d]);
    expect(() => decodeBase64("AGF*bQ==")).toThrow();
  });

  it("imports nothing but its memory, at least allocatorMinimumPages pages", () => {
    const module = new wasm.Module(allocatorWasm());
    expect(wasm.Module.imports(module)).toEqual([
      { module: "env", name: "memory", kind: "memory" },
    ]);
    expect(wasm.Module.exports(module).map((entry) => entry.name)).toEqual([
      "osal_init",
      "aligned_alloc",
      "free",
      "osal_release",
    ]);
    expect(allocatorMinimumPages).toBeGreaterThanOrEqual(1);
    const tooSmall = new wasm.Memory({ initial: allocatorMinimumPages - 1 });
    expect(() => new wasm.Instance(module, { env: { memory: tooSmall } })).toThrow();
  });
});
