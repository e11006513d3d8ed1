import { hasErrorCode, MmapAnnotation, MmapError, parseProcMaps } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager, wasmPageManagerCapabilities } from "../src/index.js";
import { NOREPLACE, RW, WASM_PAGE } from "./helpers.js";

describe("the manager", () => {
  it("declares the capabilities it implements", () => {
    expect(createWasmPageManager({ maximumBytes: WASM_PAGE }).capabilities).toEqual({
      fixed: true,
      noReplace: true,
      partialUnmap: true,
      remapInPlace: true,
      enforcesProtection: false,
      reservesWithoutCommit: false,
      returnsMemoryToHost: false,
      threadSafe: true,
      uninitialized: true,
      remapAcrossMappings: true,
      remapDontUnmap: true,
      remapFixed: true,
      setAnnotation: true,
    });
    expect(Object.isFrozen(wasmPageManagerCapabilities)).toBe(true);
  });

  it("counts calls and failed calls, and reports the memory size as the footprint", () => {
    const os = createWasmPageManager({ maximumBytes: 16 * WASM_PAGE });
    const a = os.dzmmapAnywhere(2 * WASM_PAGE, WASM_PAGE, RW);
    expect(() => os.dzmmap(a, WASM_PAGE, NOREPLACE)).toThrow(MmapError);
    os.munmap(a, WASM_PAGE);
    const stats = os.stats();
    expect(stats.calls.mmap).toBe(2);
    expect(stats.failedCalls.mmap).toBe(1);
    expect(stats.calls.munmap).toBe(1);
    expect(stats.mappedBytes).toBe(WASM_PAGE);
    expect(stats.peakMappedBytes).toBe(2 * WASM_PAGE);
    expect(stats.committedBytes).toBe(WASM_PAGE);
    expect(stats.footprintBytes).toBe(os.memory.buffer.byteLength);
  });

  it("lists mappings with their annotations in /proc/self/maps form", () => {
    const os = createWasmPageManager({ maximumBytes: 16 * WASM_PAGE });
    const a = os.dzmmapAnywhere(
      WASM_PAGE,
      WASM_PAGE,
      RW,
      MmapAnnotation.sidemeta("immix", "marks"),
    );
    const text = os.getProcessMemoryMaps();
    expect(text).toContain("[anon:sidemeta:immix:marks]");
    expect(parseProcMaps(text)).toEqual([
      { start: a, end: a + WASM_PAGE, perms: "rw-p", name: "[anon:sidemeta:immix:marks]" },
    ]);
  });

  it("agrees with a second instance attached to the same state", () => {
    const one = createWasmPageManager({ shared: true, maximumBytes: 64 * WASM_PAGE });
    const two = createWasmPageManager({
      memory: one.memory,
      shared: { state: one.state as SharedArrayBuffer },
    });
    const a = one.dzmmapAnywhere(2 * WASM_PAGE, WASM_PAGE, RW, MmapAnnotation.space("one"));
    const b = two.dzmmapAnywhere(2 * WASM_PAGE, WASM_PAGE, RW, MmapAnnotation.space("two"));
    expect(b).toBe(a + 2 * WASM_PAGE);
    expect(two.getMappings()).toEqual(one.getMappings());
    expect(two.getMappings().map((m) => m.annotation)).toEqual([
      MmapAnnotation.space("one"),
      MmapAnnotation.space("two"),
    ]);
    let error: unknown;
    try {
      two.dzmmap(a, WASM_PAGE, NOREPLACE);
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, "EEXIST")).toBe(true);
    two.munmap(a, 2 * WASM_PAGE);
    expect(one.stats().mappedBytes).toBe(2 * WASM_PAGE);
  });

  it("rejects bad options with EINVAL", () => {
    const bad = [
      { pageSize: 2048 },
      { pageSize: 3 * 4096 },
      { pageSize: 128 * 1024 },
      { maximumBytes: 1000 },
      { maximumBytes: 8 * 1024 * 1024 * 1024 },
      { largeMappingAlignment: 3 },
      { source: "sbrk" as unknown as "grow" },
      { memory: {} as never },
    ];
    for (const options of bad) {
      let error: unknown;
      try {
        createWasmPageManager(options);
      } catch (caught) {
        error = caught;
      }
      expect(hasErrorCode(error, "EINVAL"), JSON.stringify(options)).toBe(true);
    }
  });
});
