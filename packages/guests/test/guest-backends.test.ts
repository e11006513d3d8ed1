import { createLinearMemory, MiB, MmapStrategy, WASM_PAGE_SIZE } from "@osal/core";
import { describe, expect, it } from "vitest";
import { guestBackendById, guestBackends } from "../src/guest-backends.js";

/** An Emscripten guest's `sbrk` over `memory`: moves its own break, growing the memory to cover it. */
function emscriptenSbrk(memory: ReturnType<typeof createLinearMemory>) {
  let brk = memory.buffer.byteLength;
  const increments: number[] = [];
  const sbrk = (increment: number): number => {
    increments.push(increment);
    const old = brk;
    const pages =
      Math.ceil((brk + increment) / WASM_PAGE_SIZE) - memory.buffer.byteLength / WASM_PAGE_SIZE;
    if (pages > 0) memory.grow(pages);
    brk += increment;
    return old;
  };
  return { sbrk, increments, brk: () => brk };
}

describe("the guest backends table", () => {
  it("serves both toolchains with every backend", () => {
    for (const backend of guestBackends) expect(backend.toolchains).toEqual(["wasi", "emscripten"]);
  });

  for (const id of ["wasm-page-manager", "ghc-megablock-64k", "ghc-megablock-1m"]) {
    it(`${id} takes an Emscripten guest's pages from its sbrk, never growing behind it`, () => {
      const memory = createLinearMemory(64 * MiB);
      memory.grow(2); // the guest's own data and heap
      const guest = emscriptenSbrk(memory);
      const backend = guestBackendById(id);
      const os = backend.factory({
        memory,
        exports: { sbrk: guest.sbrk },
        toolchain: "emscripten",
      });
      const start = os.dzmmapAnywhere(backend.page, backend.page, MmapStrategy.DEFAULT);
      expect(guest.increments.some((n) => n > 0)).toBe(true);
      // The mapping lies below the break the guest's sbrk moved: its malloc will not hand it out.
      expect(start).toBeGreaterThanOrEqual(2 * WASM_PAGE_SIZE);
      expect(start + backend.page).toBeLessThanOrEqual(guest.brk());
      expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(guest.brk());
    });

    it(`${id} refuses an Emscripten guest without sbrk with a TypeError`, () => {
      const memory = createLinearMemory(64 * MiB);
      const backend = guestBackendById(id);
      expect(() => backend.factory({ memory, exports: {}, toolchain: "emscripten" })).toThrow(
        TypeError,
      );
    });
  }
});
