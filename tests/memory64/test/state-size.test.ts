import { createGhcMegablock } from "@osal/ghc-megablock";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { describe, expect, it } from "vitest";

const GiB = 2 ** 30;

describe("what a 16 GiB memory64 maximum costs before it is used", () => {
  it("the page manager's state (page table, free-run index, annotations) is under 0.06 % of the maximum", () => {
    const os = createWasmPageManager({ maximumBytes: 16 * GiB });
    // 262144 pages of 64 KiB: 7 bytes a page of table, 24 of free-run index, 1 MiB of annotations.
    expect(os.state.byteLength).toBe(9_306_176);
    expect(os.state.byteLength).toBeLessThan(0.0006 * 16 * GiB);
    expect(os.getSystemTotalMemory()).toBe(16 * GiB);
    // Nothing of the memory itself yet: it grows with the first mapping.
    expect(os.stats().footprintBytes).toBe(0);
  });

  it("ghc-megablock's table holds one entry per 1 MiB megablock, the memory starts empty", () => {
    const os = createGhcMegablock({ maximumBytes: 16 * GiB });
    expect(os.getSystemTotalMemory()).toBe(16 * GiB);
    expect(os.stats().footprintBytes).toBe(0);
  });
});

describe("maximum checks on a host with memory64", () => {
  const codeOf = (make: () => unknown): string | undefined => {
    try {
      make();
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  it("a memory32 memory keeps its 4 GiB limit: EINVAL above it, on both backends", () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16 });
    expect(codeOf(() => createWasmPageManager({ memory, maximumBytes: 8 * GiB }))).toBe("EINVAL");
    expect(codeOf(() => createGhcMegablock({ memory, maximumBytes: 8 * GiB }))).toBe("EINVAL");
  });

  it("a memory64 maximum must stay below 2^53 and fit the page table", () => {
    expect(codeOf(() => createWasmPageManager({ maximumBytes: 2 ** 53 }))).toBe("EINVAL");
    expect(codeOf(() => createGhcMegablock({ maximumBytes: 2 ** 53 }))).toBe("EINVAL");
    // Past what V8 grows a memory64 memory to (16 GiB): the host refuses, ENOTSUP.
    expect(codeOf(() => createWasmPageManager({ maximumBytes: 32 * GiB }))).toBe("ENOTSUP");
  });
});
