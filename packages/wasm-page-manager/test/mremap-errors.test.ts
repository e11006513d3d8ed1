import { MmapError, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";

/** Issue 15: the page manager's `mremap` failures are reported as `mremap`, not `mmap`. */
describe("mremap errors", () => {
  it("a move that finds no room fails with ENOMEM, syscall mremap, nothing changed", () => {
    const os = createWasmPageManager({ maximumBytes: 8 * 64 * 1024 });
    const p = os.pageSize;
    const a = os.dzmmapAnywhere(2 * p, p, MmapStrategy.DEFAULT);
    os.dzmmapAnywhere(2 * p, p, MmapStrategy.DEFAULT);
    os.fill(a, 2 * p, 0x33);
    const before = os.getMappings();
    let error: unknown;
    try {
      os.mremap(a, 2 * p, 7 * p, { mayMove: true });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MmapError);
    expect((error as MmapError).code).toBe("ENOMEM");
    expect((error as MmapError).syscall).toBe("mremap");
    expect(os.getMappings()).toEqual(before);
    expect(os.read(a, 2 * p)).toEqual(new Uint8Array(2 * p).fill(0x33));
  });

  it("a zero-length write past the current memory is valid (R4)", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * 64 * 1024 });
    expect(() => os.write(os.addressSpaceEnd - 1, new Uint8Array(0))).not.toThrow();
    expect(os.getMappings()).toEqual([]);
  });
});
