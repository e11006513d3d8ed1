import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { deferGuestImports64 } from "@osal/wasm-guest";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { describe, expect, it } from "vitest";

const SIXTEEN_GIB = 16 * 2 ** 30;
const FOUR_GIB = 2 ** 32;

const wasm = readFileSync(
  createRequire(import.meta.url).resolve("@osal/guests/wasm64/memory64.wasm"),
);

interface Memory64Guest {
  readonly memory: WebAssembly.Memory;
  run(rounds: number, growInPlace: number): number;
  highest_address(): bigint;
  operations(): bigint;
}

/**
 * Instantiates the wasm64 guest (packages/guests/c/wasm64/memory64.c) with
 * the wasm64 `osal` imports bound to `backend(memory)` over its exported
 * memory64 memory.
 */
function instantiate(
  backend: (
    memory: WebAssembly.Memory,
  ) => Parameters<ReturnType<typeof deferGuestImports64>["bind"]>[0],
): Memory64Guest {
  const osal = deferGuestImports64();
  const instance = new WebAssembly.Instance(new WebAssembly.Module(wasm), {
    osal: osal.imports,
  });
  const guest = instance.exports as unknown as Memory64Guest;
  osal.bind(backend(guest.memory), { memory: guest.memory });
  return guest;
}

describe("a wasm64 C guest (clang --target=wasm64) past 4 GiB", () => {
  it("on the page manager: maps above 4 GiB, unmaps in part, remaps in place and moving, every stamp intact", () => {
    let os: ReturnType<typeof createWasmPageManager> | undefined;
    const guest = instantiate((memory) => {
      os = createWasmPageManager({ memory, maximumBytes: SIXTEEN_GIB });
      return os;
    });
    const rounds = 100;
    expect(guest.run(rounds, 1)).toBe(0);
    const highest = Number(guest.highest_address());
    expect(highest).toBeGreaterThan(15 * 2 ** 30);
    // 9 calls a round: map, partial unmap, shrink, grow in place, move, map over the old head, 3 unmaps.
    expect(Number(guest.operations())).toBe(rounds * 9);
    expect(os?.getMappings()).toEqual([]);
    console.log(
      `memory64 guest on the page manager: ${rounds} rounds, ${guest.operations()} osal calls, highest address 0x${highest.toString(16)}`,
    );
  }, 120_000);

  it("on ghc-megablock: maps above 4 GiB, unmaps in part, shrinks in place, moves, every stamp intact", () => {
    let os: ReturnType<typeof createGhcMegablock> | undefined;
    const guest = instantiate((memory) => {
      os = createGhcMegablock({ memory, maximumBytes: SIXTEEN_GIB });
      return os;
    });
    const rounds = 50;
    expect(guest.run(rounds, 0)).toBe(0);
    const highest = Number(guest.highest_address());
    expect(highest).toBeGreaterThan(FOUR_GIB);
    // 10 calls a round: the refused MAP_FIXED_NOREPLACE, hold, map, release, partial unmap,
    // shrink, the refused in-place growth, move, 2 unmaps.
    expect(Number(guest.operations())).toBe(rounds * 10);
    expect(os?.getMappings()).toEqual([]);
    console.log(
      `memory64 guest on ghc-megablock: ${rounds} rounds, ${guest.operations()} osal calls, highest address 0x${highest.toString(16)}`,
    );
  }, 120_000);
});
