import { KiB, MmapAnnotation, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createMockUnix } from "../src/index.js";

const P = 4096;

function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("mremap with newAddress and dontUnmap on mock-unix", () => {
  it("a newAddress move over the commit limit fails with ENOMEM, source and destination untouched (issue 15)", () => {
    const os = createMockUnix({ pageSize: 4096, commitLimit: 12 * P });
    // Top-down placement: the source lands below the destination, so the ranges never overlap.
    const dest = os.dzmmapAnywhere(4 * P, P, MmapStrategy.DEFAULT, MmapAnnotation.space("dest"));
    os.fill(dest, 4 * P, 0xab);
    const source = os.dzmmapAnywhere(4 * P, P, MmapStrategy.DEFAULT);
    os.fill(source, 4 * P, 0x11);
    const maps = os.getMappings();
    const committed = os.stats().committedBytes;
    // After the move 16 pages would be charged (the replaced destination and the
    // source no longer are): over the 12-page limit, so nothing happens at all.
    const error = thrown(() =>
      os.mremap(source, 4 * P, 16 * P, { mayMove: true, newAddress: dest }),
    );
    expect(error).toMatchObject({ code: "ENOMEM", syscall: "mremap" });
    expect(os.getMappings()).toEqual(maps);
    expect(os.stats().committedBytes).toBe(committed);
    expect(os.read(dest, 4 * P).every((b) => b === 0xab)).toBe(true);
    expect(os.read(source, 4 * P).every((b) => b === 0x11)).toBe(true);
  });

  it("dontUnmap keeps the old VMA, charged, reading zero; the new one has the bytes", () => {
    const os = createMockUnix({ pageSize: 4096 });
    const a = os.dzmmapAnywhere(2 * P, P, MmapStrategy.DEFAULT, MmapAnnotation.space("a"));
    os.fill(a, 2 * P, 7);
    const b = os.mremap(a, 2 * P, 2 * P, { mayMove: true, dontUnmap: true });
    expect(b).not.toBe(a);
    expect(os.read(a, 2 * P).every((x) => x === 0)).toBe(true);
    expect(os.read(b, 2 * P).every((x) => x === 7)).toBe(true);
    expect(os.stats().committedBytes).toBe(4 * P);
    expect(os.stats().footprintBytes).toBe(2 * P);
  });

  it("newAddress below vm.mmap_min_addr is EPERM", () => {
    const os = createMockUnix({ pageSize: 4096 });
    const a = os.dzmmapAnywhere(P, P, MmapStrategy.DEFAULT);
    expect(thrown(() => os.mremap(a, P, P, { mayMove: true, newAddress: 0 }))).toMatchObject({
      code: "EPERM",
    });
  });
});
