import { hasErrorCode, KiB, type LinearMemory, MiB, MmapError, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import {
  createGhcMegablock,
  ghcMegablockCapabilities,
  ghcMegablockSharedCapabilities,
} from "../src/index.js";

const MB = 64 * KiB;

function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return error instanceof MmapError ? error.code : String(error);
  }
  return undefined;
}

function sharedMemory(initial: number, maximum: number): LinearMemory {
  const { WebAssembly } = globalThis as unknown as {
    WebAssembly: {
      Memory: new (d: { initial: number; maximum: number; shared: boolean }) => LinearMemory;
    };
  };
  return new WebAssembly.Memory({ initial, maximum, shared: true });
}

describe("a shared memory", () => {
  it("is accepted, with its state in a SharedArrayBuffer and threadSafe declared", () => {
    const memory = sharedMemory(16, 1024);
    const os = createGhcMegablock({ memory, megablockSize: MB });
    expect(os.state).toBeInstanceOf(SharedArrayBuffer);
    expect(os.capabilities).toEqual(ghcMegablockSharedCapabilities);
    expect(os.capabilities.threadSafe).toBe(true);
    expect(ghcMegablockCapabilities.threadSafe).toBe(false);
    expect(createGhcMegablock().capabilities.threadSafe).toBe(false);
    // The 16 pages already in it are not the backend's.
    const a = os.getMBlocks(2);
    expect(a).toBeGreaterThanOrEqual(16 * 64 * KiB);
  });

  it("shared: true creates a shared memory of the maximum asked", () => {
    const os = createGhcMegablock({ shared: true, maximumBytes: 8 * MiB });
    expect(os.memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(os.getSystemTotalMemory()).toBe(8 * MiB);
    expect(os.capabilities.threadSafe).toBe(true);
  });

  it("backends attached to one state never hand out the same megablock and see each other's mappings", () => {
    const first = createGhcMegablock({ shared: true, megablockSize: MB, maximumBytes: 16 * MiB });
    const second = createGhcMegablock({
      memory: first.memory,
      shared: { state: first.state as SharedArrayBuffer },
    });
    expect(second.pageSize).toBe(MB);
    expect(second.addressSpaceEnd).toBe(first.addressSpaceEnd);
    expect(second.getSystemTotalMemory()).toBe(16 * MiB);
    const annotation = { kind: "space", name: "nursery" } as const;
    const a = first.dzmmapAnywhere(3 * MB, MB, MmapStrategy.DEFAULT, annotation);
    const b = second.dzmmapAnywhere(3 * MB, MB, MmapStrategy.DEFAULT, annotation);
    expect(b >= a + 3 * MB || b + 3 * MB <= a).toBe(true);
    first.fill(a, 3 * MB, 0x11);
    second.fill(b, 3 * MB, 0x22);
    expect(second.read(a, 3 * MB).every((byte) => byte === 0x11)).toBe(true);
    expect(second.getMappings()).toEqual(first.getMappings());
    // Interned by one backend, read back by the other.
    expect(second.getMappings().every((m) => m.annotation?.kind === "space")).toBe(true);
    expect(second.getMappings()[0]?.annotation).toEqual(annotation);
    // Freed by one, reused (and zeroed) by the other.
    first.munmap(a, 3 * MB);
    const c = second.dzmmapAnywhere(3 * MB, MB, MmapStrategy.DEFAULT);
    expect(c).toBe(a);
    expect(second.read(c, 3 * MB).every((byte) => byte === 0)).toBe(true);
    expect(second.stats().zeroedBytes).toBe(3 * MB);
    expect(first.stats().mappedBytes).toBe(6 * MB);
    expect(first.pageStates()).toEqual(second.pageStates());
  });

  it("refuses to attach to something that is not a state, or without the shared memory", () => {
    const os = createGhcMegablock({ shared: true, megablockSize: MB, maximumBytes: MiB });
    const state = os.state as SharedArrayBuffer;
    expect(
      codeOf(() =>
        createGhcMegablock({ memory: os.memory, shared: { state: new SharedArrayBuffer(64) } }),
      ),
    ).toBe("EINVAL");
    expect(codeOf(() => createGhcMegablock({ shared: { state } }))).toBe("EINVAL");
    expect(
      codeOf(() => createGhcMegablock({ memory: createGhcMegablock().memory, shared: { state } })),
    ).toBe("EINVAL");
    expect(
      codeOf(() =>
        createGhcMegablock({ memory: os.memory, megablockSize: MiB, shared: { state } }),
      ),
    ).toBe("EINVAL");
    expect(
      codeOf(() => createGhcMegablock({ memory: createGhcMegablock().memory, shared: true })),
    ).toBe("EINVAL");
    const error = (() => {
      try {
        createGhcMegablock({ shared: "yes" as unknown as boolean });
      } catch (caught) {
        return caught;
      }
    })();
    expect(hasErrorCode(error, "EINVAL")).toBe(true);
  });
});
