import type { MmapAnnotation } from "./annotation.js";
import { MemoryFault, MmapError, type OSCall } from "./errors.js";
import { MmapProtection } from "./protection.js";
import type { MemoryCall } from "./stats.js";

/**
 * The state checks of the shared call path (`MemoryBackend`), as functions of
 * a backend's mapped runs, and the types its primitives speak. Core owns these
 * codes: `EEXIST`, `ENOMEM` over holes, `EFAULT` for `mremap` and
 * `panicIfUnmapped`, `MemoryFault` for accesses.
 */

/** A run of mapped pages with one protection, as {@link MemoryBackend.mappedRuns} reports it. */
export interface MappedRun {
  /** First byte (page-aligned). */
  readonly start: number;
  /** One past the last byte (page-aligned). */
  readonly end: number;
  /** The run's protection: `NoAccess` runs fault on access. */
  readonly prot: MmapProtection;
}

/** The mapping an `mremap` starts from, as {@link MemoryBackend.remapSource} finds it. */
export interface RemapSource {
  /** One past the last byte of the one mapping (Linux's VMA) holding the old address. */
  readonly end: number;
  /** Its annotation, named in `ENOMEM` errors. */
  readonly annotation: MmapAnnotation | undefined;
}

/** The public calls of {@link MemoryBackend}, as {@link MemoryBackend.admit} is told them. */
export type BackendCall =
  | "dzmmap"
  | "dzmmapAnywhere"
  | "dzmmapPreferred"
  | "munmap"
  | "mremap"
  | "setMemoryAccess"
  | "madvise"
  | "setAnnotation";

/** The syscall each {@link BackendCall} is reported (and counted) as: `setAnnotation` is `prctl`. */
export const backendSyscalls: Readonly<Record<BackendCall, MemoryCall | "prctl">> = Object.freeze({
  dzmmap: "mmap",
  dzmmapAnywhere: "mmap",
  dzmmapPreferred: "mmap",
  munmap: "munmap",
  mremap: "mremap",
  setMemoryAccess: "mprotect",
  madvise: "madvise",
  setAnnotation: "prctl",
});

/**
 * The `EFAULT` an `mremap` fails with when its old range is not (inside) one
 * mapping: `mapped` says whether anything is mapped at `start` at all. For
 * primitives that find the source themselves ({@link MemoryBackend.remapSource}).
 */
export function remapFault(start: number, oldSize: number, mapped: boolean): MmapError {
  return new MmapError({
    code: "EFAULT",
    syscall: "mremap",
    address: start,
    size: oldSize,
    detail: mapped ? "old range is not inside one mapping" : "nothing is mapped at the old address",
  });
}

/** True when none of `runs` shares a byte with `[start, end)`. */
export function runsLeaveFree(runs: Iterable<MappedRun>, start: number, end: number): boolean {
  for (const run of runs) {
    if (run.end > start && run.start < end) return false;
  }
  return true;
}

/** The `ENOMEM` of `mprotect`, `madvise` and `prctl` over a range with unmapped pages. */
export function unmappedRangeError(
  call: MemoryCall | "prctl",
  start: number,
  size: number,
): MmapError {
  return new MmapError({
    code: "ENOMEM",
    syscall: call,
    address: start,
    size,
    detail: "range includes unmapped pages",
  });
}

/**
 * The `MemoryFault` for an access to `[address, address + length)` given the
 * mapped runs meeting it (sorted): at the first byte that is unmapped or in a
 * `NoAccess` run; `undefined` when every byte may be accessed.
 */
export function accessFault(
  call: Extract<OSCall, "read" | "write" | "fill">,
  runs: Iterable<MappedRun>,
  address: number,
  length: number,
): MemoryFault | undefined {
  const end = address + length;
  let cursor = address;
  for (const run of runs) {
    if (run.end <= cursor) continue;
    if (run.start > cursor) break;
    if (run.prot === MmapProtection.NoAccess) {
      return new MemoryFault({
        syscall: call,
        address,
        size: length,
        faultAddress: cursor,
        reason: "protection",
      });
    }
    cursor = run.end;
    if (cursor >= end) return undefined;
  }
  return new MemoryFault({
    syscall: call,
    address,
    size: length,
    faultAddress: cursor,
    reason: "unmapped",
  });
}
