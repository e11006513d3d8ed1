import { hasErrorCode, KiB, type LinearMemory, MiB, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createGhcMegablock } from "../src/index.js";
import { wasmMemory } from "./helpers.js";

const WASM_PAGE = 64 * KiB;

/** An Emscripten-style guest: a program break that grows its memory as needed, and a malloc over it. */
class Guest {
  brk: number;
  constructor(
    private readonly memory: LinearMemory,
    initialBreak: number,
    private readonly limit = Number.POSITIVE_INFINITY,
  ) {
    this.brk = initialBreak;
  }
  sbrk(increment: number): number {
    const old = this.brk;
    const end = old + increment;
    if (end > this.limit) return -1; // the guest's heap maximum
    const size = this.memory.buffer.byteLength;
    if (end > size) {
      try {
        this.memory.grow(Math.ceil((end - size) / WASM_PAGE));
      } catch {
        return -1;
      }
    }
    this.brk = end;
    return old;
  }
  malloc(bytes: number): number {
    return this.sbrk(bytes);
  }
}

describe("a guest's sbrk as the source of megablocks", () => {
  it("takes megablocks through sbrk above the guest's break, never below it", () => {
    const memory = wasmMemory(2, 256);
    const guest = new Guest(memory, 100 * KiB);
    const os = createGhcMegablock({
      memory,
      megablockSize: 64 * KiB,
      source: guest,
      growth: "exact",
    });
    const a = os.getMBlocks(3);
    expect(a).toBeGreaterThanOrEqual(128 * KiB); // the first megablock boundary above the break
    expect(guest.brk).toBeGreaterThanOrEqual(a + 3 * 64 * KiB);
    // The guest's malloc continues above what the backend took.
    const theirs = guest.malloc(1000);
    expect(theirs).toBeGreaterThanOrEqual(a + 3 * 64 * KiB);
    new Uint8Array(memory.buffer).fill(0x77, theirs, theirs + 1000);
    // Freed megablocks are reused, the guest's bytes never handed out.
    os.freeMBlocks(a, 3);
    for (let i = 0; i < 6; i++) {
      const b = os.dzmmapAnywhere(64 * KiB, 64 * KiB, MmapStrategy.DEFAULT);
      expect(b + 64 * KiB <= theirs || b >= theirs + 1000).toBe(true);
      os.fill(b, 64 * KiB, 1);
    }
    expect(new Uint8Array(memory.buffer, theirs, 1000).every((x) => x === 0x77)).toBe(true);
    const external = os.pageStates().filter((run) => run.state === "external");
    expect(external.some((run) => run.start <= theirs && run.end >= theirs + 1000)).toBe(true);
    expect(external.some((run) => run.start === 0 && run.end >= 100 * KiB)).toBe(true);
  });

  it("is ENOMEM with nothing changed when sbrk fails", () => {
    const memory = wasmMemory(1, 256);
    const guest = new Guest(memory, 10 * KiB, 4 * MiB);
    const os = createGhcMegablock({ memory, source: guest, growth: "exact" });
    const a = os.getMBlocks(2);
    const brk = guest.brk;
    const grown = memory.buffer.byteLength;
    let error: unknown;
    try {
      os.getMBlocks(4);
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, "ENOMEM")).toBe(true);
    expect(error).toMatchObject({ message: expect.stringMatching(/sbrk/) });
    expect(guest.brk).toBe(brk);
    expect(memory.buffer.byteLength).toBe(grown);
    expect(os.getMappings().map((m) => [m.start, m.end])).toEqual([[a, a + 2 * MiB]]);
  });

  it("refuses a source that is not grow or an sbrk", () => {
    expect(() => createGhcMegablock({ source: {} as never })).toThrow(/EINVAL/);
  });
});
