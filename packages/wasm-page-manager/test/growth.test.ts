import {
  DEFAULT_GROWTH,
  type GrowthPolicy,
  hasErrorCode,
  type LinearMemory,
  MiB,
  MmapStrategy,
} from "@osal/core";
import { describe, expect, it } from "vitest";
import { createWasmPageManager } from "../src/index.js";
import { allEqual, FakeSbrk, newMemory, RW, WASM_PAGE } from "./helpers.js";

const NONE = MmapStrategy.QUARANTINE;
const geometric: GrowthPolicy = { ratio: 0.5, minimumStep: MiB, maximumStep: 4 * MiB };

/** The errno code `body` throws (undefined when it does not throw an OSError). */
function codeOf(body: () => unknown): string | undefined {
  try {
    body();
  } catch (error) {
    return hasErrorCode(error, "ENOMEM")
      ? "ENOMEM"
      : hasErrorCode(error, "EINVAL")
        ? "EINVAL"
        : String(error);
  }
  return undefined;
}

/** `memory` whose `grow` refuses more than `most` wasm pages at once (a host short of memory). */
function refusingBigGrows(most: number): { memory: LinearMemory; deltas: number[] } {
  const inner = newMemory(0, 1024);
  const deltas: number[] = [];
  return {
    deltas,
    memory: {
      get buffer() {
        return inner.buffer;
      },
      grow(delta: number) {
        deltas.push(delta);
        if (delta > most) throw new RangeError("WebAssembly.Memory.grow(): out of memory");
        return inner.grow(delta);
      },
    },
  };
}

describe("growth policy", () => {
  it("grows at most one step past what a call needs, however the memory grows", () => {
    const os = createWasmPageManager({ maximumBytes: 64 * MiB, growth: geometric });
    let end = 0;
    for (const pages of [1, 3, 20, 1, 70, 2, 5, 40]) {
      const before = os.stats().footprintBytes;
      const at = os.dzmmapAnywhere(pages * WASM_PAGE, WASM_PAGE, RW);
      end = Math.max(end, at + pages * WASM_PAGE);
      const after = os.stats().footprintBytes;
      expect(after).toBeGreaterThanOrEqual(end);
      if (after !== before) {
        const step = Math.min(Math.max(before * geometric.ratio, geometric.minimumStep), 4 * MiB);
        const ahead = Math.ceil((before + step) / WASM_PAGE) * WASM_PAGE;
        expect(after).toBeLessThanOrEqual(Math.max(end, ahead));
      }
    }
  });

  it("grows one step for many small mappings, and hands out the pages grown ahead without zeroing them", () => {
    const os = createWasmPageManager({
      maximumBytes: 64 * MiB,
      growth: { ratio: 0, minimumStep: MiB, maximumStep: MiB },
    });
    const first = os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    expect(os.stats().footprintBytes).toBe(MiB);
    // The 14 pages grown ahead are the manager's, free and known zero (page 0,
    // grown too, is never handed out: it would read as NULL).
    expect(os.pageStates()).toEqual([
      { start: 0, end: WASM_PAGE, state: "free-zeroed" },
      { start: first + WASM_PAGE, end: MiB, state: "free-zeroed" },
    ]);
    const rest: number[] = [];
    for (let i = 2; i < 16; i++) rest.push(os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW));
    expect(os.stats().footprintBytes).toBe(MiB); // no growth for them
    expect(os.stats().zeroedBytes).toBe(0); // never memset
    for (const at of rest) expect(allEqual(os.read(at, WASM_PAGE), 0)).toBe(true);
    // Mapped NoAccess, then opened: still zero and still never written.
    os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, NONE);
    expect(os.stats().zeroedBytes).toBe(0);
    expect(os.stats().footprintBytes).toBe(2 * MiB);
  });

  it("clips the last step at the maximum and never grows past it", () => {
    const os = createWasmPageManager({
      maximumBytes: 3 * MiB,
      growth: { ratio: 0, minimumStep: 2 * MiB, maximumStep: 2 * MiB },
    });
    os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    expect(os.stats().footprintBytes).toBe(2 * MiB);
    os.dzmmapAnywhere(2 * MiB - 2 * WASM_PAGE, WASM_PAGE, RW); // the rest, past page 0
    expect(os.stats().footprintBytes).toBe(2 * MiB);
    os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW); // a step would end at 4 MiB
    expect(os.stats().footprintBytes).toBe(3 * MiB);
    for (let i = 1; i < 16; i++) os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    expect(codeOf(() => os.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW))).toBe("ENOMEM");
    expect(os.stats().footprintBytes).toBe(3 * MiB);
  });

  it("falls back to growing exactly what is missing when the whole step is refused", () => {
    const { memory, deltas } = refusingBigGrows(4);
    const os = createWasmPageManager({ memory, maximumBytes: 64 * MiB, growth: DEFAULT_GROWTH });
    const a = os.dzmmapAnywhere(2 * WASM_PAGE, WASM_PAGE, RW);
    // A 1 MiB step refused, then the 3 pages needed (page 0, never handed out, and 2).
    expect(deltas).toEqual([16, 3]);
    expect(os.stats().footprintBytes).toBe(3 * WASM_PAGE);
    expect(os.getMappings().map((m) => [m.start, m.end])).toEqual([[a, a + 2 * WASM_PAGE]]);
    // Refused even exactly: ENOMEM, nothing changed.
    expect(codeOf(() => os.dzmmapAnywhere(8 * WASM_PAGE, WASM_PAGE, RW))).toBe("ENOMEM");
    expect(os.getMappings()).toHaveLength(1);
    expect(os.stats().footprintBytes).toBe(3 * WASM_PAGE);
  });

  it('grows exactly with growth: "exact", and by default on a shared memory', () => {
    const exact = createWasmPageManager({ maximumBytes: 64 * MiB, growth: "exact" });
    // Page 0 and the mapping's page: page 0 is grown but never handed out.
    exact.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    expect(exact.stats().footprintBytes).toBe(2 * WASM_PAGE);
    const shared = createWasmPageManager({ maximumBytes: 64 * MiB, shared: true });
    shared.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    expect(shared.stats().footprintBytes).toBe(2 * WASM_PAGE);
    const byDefault = createWasmPageManager({ maximumBytes: 64 * MiB });
    byDefault.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    expect(byDefault.stats().footprintBytes).toBe(MiB);
  });

  it("on a shared memory, pages one manager grew ahead are handed out by another attached to it", () => {
    const a = createWasmPageManager({
      maximumBytes: 64 * MiB,
      shared: true,
      growth: { ratio: 0, minimumStep: MiB, maximumStep: MiB },
    });
    const b = createWasmPageManager({
      memory: a.memory,
      shared: { state: a.state as SharedArrayBuffer },
    });
    const x = a.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    const y = b.dzmmapAnywhere(WASM_PAGE, WASM_PAGE, RW);
    expect(y).toBe(x + WASM_PAGE);
    expect(a.memory.buffer.byteLength).toBe(MiB);
    expect(b.pageStates()).toEqual([
      { start: 0, end: WASM_PAGE, state: "free-zeroed" },
      { start: y + WASM_PAGE, end: MiB, state: "free-zeroed" },
    ]);
    expect(a.stats().zeroedBytes + b.stats().zeroedBytes).toBe(0);
  });

  it("rejects a bad policy with EINVAL", () => {
    const bad: unknown[] = [
      "fast",
      { ratio: -1 },
      { ratio: Number.NaN },
      { minimumStep: 1000 },
      { minimumStep: 4 * MiB, maximumStep: MiB },
      { maximumStep: 8 * 1024 * MiB },
    ];
    for (const growth of bad) {
      expect(
        codeOf(() => createWasmPageManager({ growth: growth as GrowthPolicy })),
        JSON.stringify(growth),
      ).toBe("EINVAL");
    }
  });
});

describe("growth policy with a guest's sbrk", () => {
  const P = 4096;

  it("moves the break by whole pages up to one step ahead; the guest's malloc goes above it", () => {
    const memory = newMemory(1, 256);
    const guest = new FakeSbrk(memory, 10_000);
    const os = createWasmPageManager({
      memory,
      pageSize: P,
      source: guest,
      growth: { ratio: 0, minimumStep: MiB, maximumStep: MiB },
    });
    const a = os.dzmmapAnywhere(P, P, RW);
    expect(a).toBe(12_288);
    // One sbrk of the step: the break lands on a page boundary one step past the old break.
    expect(guest.brk % P).toBe(0);
    expect(guest.brk).toBe(Math.ceil((10_000 + MiB) / P) * P);
    const b = os.dzmmapAnywhere(8 * P, P, RW);
    expect(guest.calls.filter((c) => c > 0)).toHaveLength(1); // served from the step
    expect(b + 8 * P).toBeLessThanOrEqual(guest.brk);
    const theirs = guest.malloc(100);
    expect(theirs).toBe(guest.brk - 100);
    // Pages the step grew read as zero and are listed as free and zeroed.
    const free = os.pageStates().filter((r) => r.state === "free-zeroed");
    expect(free.at(-1)?.end).toBe(theirs);
  });

  it("asks for exactly what is missing when the guest refuses the whole step", () => {
    const memory = newMemory(1, 4); // the guest's heap may reach 256 KiB only
    const guest = new FakeSbrk(memory, 8192);
    const os = createWasmPageManager({ memory, pageSize: P, source: guest });
    const a = os.dzmmapAnywhere(2 * P, P, RW);
    expect(guest.calls.filter((c) => c > 0)).toEqual([expect.any(Number), 2 * P]);
    expect(guest.calls.filter((c) => c > 0)[0]).toBeGreaterThan(2 * P);
    expect(guest.brk).toBe(a + 2 * P);
  });
});
