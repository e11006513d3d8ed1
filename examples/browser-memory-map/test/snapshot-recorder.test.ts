import { MmapError, MmapProtection, MmapStrategy } from "@osal/core";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { describe, expect, it } from "vitest";
import { SnapshotRecorder } from "../src/snapshot-recorder.js";

const MiB = 1024 * 1024;
const strategy = MmapStrategy.DEFAULT;

function watched(limit?: number) {
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536 });
  const inner = createWasmPageManager({ memory });
  const recorder = new SnapshotRecorder(limit);
  return { recorder, memory, inner, os: recorder.watch(inner, memory) };
}

describe("SnapshotRecorder", () => {
  it("keeps the map at the peak, and the empty map after the run", () => {
    const { recorder, memory, inner, os } = watched();
    const a = os.dzmmapAnywhere(2 * MiB, os.pageSize, strategy);
    const b = os.dzmmapAnywhere(3 * MiB, os.pageSize, strategy);
    os.munmap(a, 2 * MiB);
    os.munmap(b, 3 * MiB);
    recorder.finish(inner, memory);

    const peak = recorder.peak!;
    expect(peak.call).toBe(2);
    expect(peak.after).toBe("mmap");
    expect(peak.stats.mappedBytes).toBe(5 * MiB);
    expect(peak.accessibleBytes).toBe(5 * MiB);
    expect(peak.memoryBytes).toBe(memory.buffer.byteLength);
    expect(peak.pageStates).toBeDefined();
    const snapshots = recorder.snapshots();
    expect(snapshots.map((s) => [s.call, s.after])).toEqual([
      [1, "mmap"],
      [2, "mmap"],
      [3, "munmap"],
      [4, "munmap"],
      [4, undefined],
    ]);
    expect(snapshots.at(-1)?.mappings).toEqual([]);
  });

  it("places the peak by accessible bytes: a PROT_NONE reservation counts only as a tie-break", () => {
    const { recorder, os } = watched();
    const reserve = MmapStrategy.DEFAULT.withProt(MmapProtection.NoAccess).withReserve(false);
    const at = os.dzmmapAnywhere(4 * MiB, os.pageSize, reserve);
    expect(recorder.peak?.call).toBe(1);
    os.setMemoryAccess(at, MiB, MmapProtection.ReadWrite);
    os.setMemoryAccess(at + MiB, MiB, MmapProtection.ReadWrite);
    os.setMemoryAccess(at, MiB, MmapProtection.NoAccess);
    const peak = recorder.peak!;
    expect(peak.call).toBe(3);
    expect(peak.stats.mappedBytes).toBe(4 * MiB);
    expect(peak.accessibleBytes).toBe(2 * MiB);
    expect(peak.mappings.map((m) => [m.end - m.start, m.prot])).toEqual([
      [2 * MiB, MmapProtection.ReadWrite],
      [2 * MiB, MmapProtection.NoAccess],
    ]);
  });

  it("passes calls through unchanged, failures included, and records them", () => {
    const { recorder, inner, os } = watched();
    expect(os.pageSize).toBe(inner.pageSize);
    expect(os.capabilities).toBe(inner.capabilities);
    const error = (() => {
      try {
        os.munmap(1, os.pageSize);
      } catch (caught) {
        return caught;
      }
    })();
    expect(error).toBeInstanceOf(MmapError);
    expect((error as MmapError).code).toBe("EINVAL");
    expect(os.stats().failedCalls.munmap).toBe(1);
    expect(recorder.snapshots().map((s) => s.after)).toEqual(["munmap"]);
  });

  it("thins the timeline to at most `limit` evenly spaced snapshots, keeping the peak", () => {
    const { recorder, os } = watched(4);
    const first = os.dzmmapAnywhere(8 * MiB, os.pageSize, strategy);
    for (let i = 0; i < 19; i++) os.madvise(first, MiB, "dontneed");
    const snapshots = recorder.snapshots();
    const timeline = snapshots.filter((s) => s.after === "madvise");
    expect(timeline.length).toBeLessThanOrEqual(4);
    expect(timeline.map((s) => s.call)).toEqual([8, 16]);
    expect(snapshots[0]?.call).toBe(1);
    expect(recorder.peak).toBe(snapshots[0]);
  });

  it("refuses a limit below 2", () => {
    expect(() => new SnapshotRecorder(1)).toThrow(RangeError);
  });
});
