import {
  isAccessible,
  type MappingInfo,
  type MemoryCall,
  type OSMemory,
  reportsPageStates,
} from "@osal/core";
import type { MapSnapshot } from "./map-snapshot.js";

/** The `OSMemory` methods that are memory calls, and the call each one counts as. */
const recordedMethods: Readonly<Record<string, MemoryCall>> = {
  dzmmap: "mmap",
  dzmmapAnywhere: "mmap",
  dzmmapPreferred: "mmap",
  munmap: "munmap",
  mremap: "mremap",
  setMemoryAccess: "mprotect",
  madvise: "madvise",
};

/**
 * Watches a backend while a guest runs and keeps snapshots of its memory map,
 * since the guests free everything before they exit (the final map is empty).
 * It keeps the snapshot at the peak (the first call that reached the most
 * accessible bytes, then the most mapped bytes: a `PROT_NONE` reservation
 * counts only when nothing accessible is ever mapped, so CoreCLR's peak is its
 * most committed granules, not its first call),
 * a timeline of at most `limit` snapshots evenly spaced over the run (every
 * `stride`-th call; when the timeline is full, every other one is dropped and
 * the stride doubles), and the map after the run ({@link SnapshotRecorder.finish}).
 * Taking a snapshot only reads the backend.
 */
export class SnapshotRecorder {
  private readonly timeline: MapSnapshot[] = [];
  private peakSnapshot: MapSnapshot | undefined;
  private endSnapshot: MapSnapshot | undefined;
  private stride = 1;
  private calls = 0;

  /** @param limit Most timeline snapshots kept (at least 2). */
  constructor(private readonly limit = 120) {
    if (!(limit >= 2)) throw new RangeError("SnapshotRecorder: limit must be at least 2");
  }

  /**
   * `os` as the guest should see it: every memory call goes to `os` unchanged
   * (same results, same errors) and is then recorded; everything else,
   * `memory` included, is `os`'s own.
   */
  watch(os: OSMemory, memory: WebAssembly.Memory): OSMemory {
    return new Proxy(os, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== "function") return value;
        const call = typeof property === "string" ? recordedMethods[property] : undefined;
        if (call === undefined) return value.bind(target);
        return (...args: unknown[]) => {
          try {
            return value.apply(target, args);
          } finally {
            this.record(target, memory, call);
          }
        };
      },
    });
  }

  /** Takes the snapshot after the run (the map the guest left). */
  finish(os: OSMemory, memory: WebAssembly.Memory): void {
    this.endSnapshot = take(os, memory, this.calls, undefined, measure(os));
  }

  /** The snapshot at the peak; `undefined` until something is mapped. */
  get peak(): MapSnapshot | undefined {
    return this.peakSnapshot;
  }

  /** Every snapshot kept (timeline, peak, end), in call order, each once. */
  snapshots(): readonly MapSnapshot[] {
    const all = new Set(this.timeline);
    if (this.peakSnapshot) all.add(this.peakSnapshot);
    if (this.endSnapshot) all.add(this.endSnapshot);
    return [...all].sort((a, b) => a.call - b.call || (a.after === undefined ? 1 : -1));
  }

  private record(os: OSMemory, memory: WebAssembly.Memory, after: MemoryCall): void {
    this.calls++;
    const now = measure(os);
    const { accessibleBytes } = now;
    const { mappedBytes } = now.stats;
    const peak = this.peakSnapshot;
    const newPeak =
      peak === undefined
        ? mappedBytes > 0
        : accessibleBytes > peak.accessibleBytes ||
          (accessibleBytes === peak.accessibleBytes && mappedBytes > peak.stats.mappedBytes);
    const onStride = this.calls % this.stride === 0;
    if (!newPeak && !onStride) return;
    const snapshot = take(os, memory, this.calls, after, now);
    if (newPeak) this.peakSnapshot = snapshot;
    if (!onStride) return;
    this.timeline.push(snapshot);
    if (this.timeline.length > this.limit) {
      this.stride *= 2;
      const kept = this.timeline.filter((s) => s.call % this.stride === 0);
      this.timeline.splice(0, this.timeline.length, ...kept);
    }
  }
}

/** What every recorded call reads from the backend, read once and reused by its snapshot. */
type Measure = Pick<MapSnapshot, "mappings" | "accessibleBytes" | "stats">;

function measure(os: OSMemory): Measure {
  const mappings = os.getMappings();
  return { mappings, accessibleBytes: accessible(mappings), stats: os.stats() };
}

function take(
  os: OSMemory,
  memory: WebAssembly.Memory,
  call: number,
  after: MemoryCall | undefined,
  now: Measure,
): MapSnapshot {
  return {
    call,
    after,
    memoryBytes: memory.buffer.byteLength,
    ...now,
    pageStates: reportsPageStates(os) ? os.pageStates() : undefined,
  };
}

/** Bytes of `mappings` that can be read and written. */
function accessible(mappings: readonly MappingInfo[]): number {
  return mappings.reduce((n, m) => (isAccessible(m.prot) ? n + m.end - m.start : n), 0);
}
