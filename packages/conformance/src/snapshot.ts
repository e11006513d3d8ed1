import {
  formatAnnotation,
  hex,
  isAccessible,
  type MmapProtection,
  type OSMemory,
} from "@osal/core";
import { firstDifference } from "./first-difference.js";

/** One mapping in a {@link MemorySnapshot}, with its bytes when they can be read. */
export interface SnapshotMapping {
  readonly start: number;
  readonly end: number;
  readonly prot: MmapProtection;
  readonly reserve: boolean;
  readonly hugePage: string;
  /** The annotation's display form (`space:immix`), or `undefined`. */
  readonly annotation: string | undefined;
  /** The mapping's bytes; `undefined` for `NoAccess` mappings, which cannot be read. */
  readonly bytes: Uint8Array | undefined;
}

/** Every mapping of a backend and the bytes of every accessible one, at one moment. */
export interface MemorySnapshot {
  readonly mappings: readonly SnapshotMapping[];
}

/** Options of {@link snapshotMemory}. */
export interface SnapshotOptions {
  /**
   * Most accessible bytes to copy (default 256 MiB). A backend with more mapped
   * makes `snapshotMemory` throw a `RangeError` instead of exhausting the heap.
   */
  readonly maxBytes?: number;
}

/** Default {@link SnapshotOptions.maxBytes}. */
export const DEFAULT_SNAPSHOT_MAX_BYTES = 256 * 1024 * 1024;

/**
 * Captures `getMappings()` and a copy of the bytes of every accessible mapping,
 * so a test can prove a failed call "changed nothing": take one before, one after,
 * and check {@link diffSnapshots} is empty. Reading goes through the backend's
 * access API, which does not change mappings or stats.
 */
export function snapshotMemory(os: OSMemory, options: SnapshotOptions = {}): MemorySnapshot {
  const maxBytes = options.maxBytes ?? DEFAULT_SNAPSHOT_MAX_BYTES;
  let copied = 0;
  const mappings = os.getMappings().map((mapping): SnapshotMapping => {
    let bytes: Uint8Array | undefined;
    if (isAccessible(mapping.prot)) {
      const length = mapping.end - mapping.start;
      copied += length;
      if (copied > maxBytes) {
        throw new RangeError(
          `snapshotMemory: more than ${maxBytes} accessible bytes are mapped; raise options.maxBytes`,
        );
      }
      bytes = os.read(mapping.start, length);
    }
    return {
      start: mapping.start,
      end: mapping.end,
      prot: mapping.prot,
      reserve: mapping.reserve,
      hugePage: mapping.hugePage,
      annotation: mapping.annotation ? formatAnnotation(mapping.annotation) : undefined,
      bytes,
    };
  });
  return { mappings };
}

/**
 * The differences between two snapshots, one readable line each (`[]` when they
 * are the same): mappings that appeared, disappeared or changed attributes, and
 * the first differing byte of each mapping whose contents changed.
 */
export function diffSnapshots(before: MemorySnapshot, after: MemorySnapshot): string[] {
  const out: string[] = [];
  const afterByRange = new Map(after.mappings.map((m) => [rangeKey(m), m]));
  const beforeByRange = new Map(before.mappings.map((m) => [rangeKey(m), m]));
  for (const old of before.mappings) {
    const now = afterByRange.get(rangeKey(old));
    if (!now) {
      out.push(`mapping ${describeMapping(old)} is gone`);
      continue;
    }
    if (attributes(old) !== attributes(now)) {
      out.push(`mapping ${rangeKey(old)} changed from ${attributes(old)} to ${attributes(now)}`);
    }
    const byte = firstChangedByte(old.bytes, now.bytes);
    if (byte !== undefined) {
      out.push(
        `mapping ${rangeKey(old)} bytes differ from ${hex(old.start + byte)}: ` +
          `was ${showByte(old.bytes, byte)}, now ${showByte(now.bytes, byte)}`,
      );
    }
  }
  for (const now of after.mappings) {
    if (!beforeByRange.has(rangeKey(now))) out.push(`mapping ${describeMapping(now)} appeared`);
  }
  return out;
}

function rangeKey(mapping: SnapshotMapping): string {
  return `${hex(mapping.start)}-${hex(mapping.end)}`;
}

function attributes(mapping: SnapshotMapping): string {
  return `${mapping.prot} reserve=${mapping.reserve} hugePage=${mapping.hugePage} annotation=${mapping.annotation ?? "-"}`;
}

function describeMapping(mapping: SnapshotMapping): string {
  return `${rangeKey(mapping)} ${attributes(mapping)}`;
}

/** The first byte that differs, 0 when only one side is readable, `undefined` when none. */
function firstChangedByte(
  a: Uint8Array | undefined,
  b: Uint8Array | undefined,
): number | undefined {
  if (a === undefined || b === undefined) return a === b ? undefined : 0;
  const i = firstDifference(a, b);
  return i < 0 ? undefined : i;
}

function showByte(bytes: Uint8Array | undefined, index: number): string {
  if (bytes === undefined) return "unreadable";
  const value = bytes[index];
  return value === undefined ? "absent" : hex(value);
}
