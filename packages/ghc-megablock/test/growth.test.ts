import { type LinearMemory, MiB, MmapError, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createGhcMegablock } from "../src/index.js";
import { wasmMemory } from "./helpers.js";

const MB = MiB;
const granule = (bytes: number) => ({ ratio: 0, minimumStep: bytes, maximumStep: bytes });

/** The errno code `body` throws, or undefined. */
function codeOf(body: () => unknown): string | undefined {
  try {
    body();
  } catch (error) {
    return error instanceof MmapError ? error.code : String(error);
  }
  return undefined;
}

describe("growth policy (ghc-megablock)", () => {
  it("grows whole megablocks at most one step ahead, free and clean, handed out without zeroing", () => {
    const os = createGhcMegablock({ maximumBytes: 64 * MB, growth: granule(4 * MB) });
    const a = os.getMBlocks(1); // megablock 0 is grown but never handed out
    expect(a).toBe(MB);
    expect(os.stats().footprintBytes).toBe(4 * MB); // one 4 MiB step
    expect(os.pageStates()).toEqual([
      { start: 0, end: MB, state: "free-zeroed" },
      { start: 2 * MB, end: 4 * MB, state: "free-zeroed" },
    ]);
    const b = os.getMBlocks(3);
    expect(b).toBe(2 * MB); // the two grown ahead, and one more
    expect(os.stats().footprintBytes).toBe(8 * MB);
    expect(os.stats().zeroedBytes).toBe(0);
    expect(new Uint8Array(os.memory.buffer, b, 3 * MB).every((x) => x === 0)).toBe(true);
  });

  it("clips the last step at the maximum", () => {
    const os = createGhcMegablock({ maximumBytes: 6 * MB, growth: granule(4 * MB) });
    os.getMBlocks(1);
    os.getMBlocks(4);
    expect(os.stats().footprintBytes).toBe(6 * MB); // 4 MiB + a step, clipped
    expect(codeOf(() => os.getMBlocks(1))).toBe("ENOMEM");
    expect(os.stats().footprintBytes).toBe(6 * MB);
  });

  it("falls back to growing exactly the request when the whole step is refused", () => {
    const inner = wasmMemory(0, 1024);
    const deltas: number[] = [];
    const memory: LinearMemory = {
      get buffer() {
        return inner.buffer;
      },
      grow(delta: number) {
        deltas.push(delta);
        if (delta > 32) throw new RangeError("WebAssembly.Memory.grow(): out of memory");
        return inner.grow(delta);
      },
    };
    const os = createGhcMegablock({ memory, maximumBytes: 64 * MB, growth: granule(8 * MB) });
    const a = os.dzmmapAnywhere(MB, MB, MmapStrategy.DEFAULT);
    expect(deltas).toEqual([128, 32]); // the 8 MiB step refused, then the 2 MiB needed
    expect(a).toBe(MB);
    expect(os.stats().footprintBytes).toBe(2 * MB);
  });

  it('grows exactly with growth: "exact"', () => {
    const os = createGhcMegablock({ maximumBytes: 64 * MB, growth: "exact" });
    os.getMBlocks(1);
    expect(os.stats().footprintBytes).toBe(2 * MB);
  });

  it("rejects a bad policy with EINVAL", () => {
    expect(codeOf(() => createGhcMegablock({ growth: { ratio: 9 } }))).toBe("EINVAL");
    expect(codeOf(() => createGhcMegablock({ growth: { minimumStep: 5 } }))).toBe("EINVAL");
  });
});
