import { GiB, invalidOption, KiB } from "@osal/core";

/** Page sizes the simulated process supports: x86_64's, arm64's and a large one. */
export type MockPageSize = 4096 | 16384 | 65536;

/** Configuration of {@link createMockUnix}. Every field has a Linux-like default. */
export interface MockUnixOptions {
  /** Page size in bytes: 4 KiB (default), 16 KiB or 64 KiB. */
  readonly pageSize?: MockPageSize;
  /** Bits of user address space: 47 (default) gives addresses below 128 TiB. */
  readonly addressBits?: number;
  /** Lowest mappable address (`vm.mmap_min_addr`), default 64 KiB. */
  readonly mmapMinAddr?: number;
  /** Where top-down placement starts (`mmap_base`), default 0x7f0000000000 (capped to the address space). */
  readonly mmapBase?: number;
  /** Commit limit in bytes (`vm.overcommit_memory=2`): charged mappings beyond it fail with `ENOMEM`. Default: no limit. */
  readonly commitLimit?: number;
  /** Most VMAs the process may have (`vm.max_map_count`), default 65530. */
  readonly maxMapCount?: number;
  /** What `getSystemTotalMemory()` reports, default 16 GiB. */
  readonly totalMemory?: number;
  /** Process facts to report. */
  readonly process?: {
    readonly pid?: number;
    readonly tid?: number;
    readonly cpus?: number;
  };
}

/** Options with defaults filled in. */
export interface ResolvedMockUnixOptions {
  readonly pageSize: MockPageSize;
  readonly addressSpaceEnd: number;
  readonly mmapMinAddr: number;
  readonly mmapBase: number;
  readonly commitLimit: number;
  readonly maxMapCount: number;
  readonly totalMemory: number;
  readonly pid: number;
  readonly tid: number;
  readonly cpus: number;
}

const PAGE_SIZES: readonly number[] = [4 * KiB, 16 * KiB, 64 * KiB];

/** Fills in defaults and rejects impossible settings with `MmapError` `EINVAL` (core's `invalidOption`). */
export function resolveOptions(options: MockUnixOptions = {}): ResolvedMockUnixOptions {
  const pageSize = options.pageSize ?? 4096;
  if (!PAGE_SIZES.includes(pageSize)) {
    throw invalidOption("mock-unix", `page size must be 4 KiB, 16 KiB or 64 KiB, got ${pageSize}`);
  }
  const addressBits = options.addressBits ?? 47;
  if (!Number.isInteger(addressBits) || addressBits < 24 || addressBits > 52) {
    throw invalidOption(
      "mock-unix",
      `addressBits must be an integer in 24..52, got ${addressBits}`,
    );
  }
  const addressSpaceEnd = 2 ** addressBits;
  const mmapMinAddr = Math.max(options.mmapMinAddr ?? 64 * KiB, pageSize);
  const mmapBase = Math.min(options.mmapBase ?? 0x7f0000000000, addressSpaceEnd);
  if (mmapMinAddr % pageSize !== 0 || mmapBase % pageSize !== 0 || mmapMinAddr >= mmapBase) {
    throw invalidOption(
      "mock-unix",
      "mmapMinAddr and mmapBase must be page-aligned with mmapMinAddr < mmapBase",
    );
  }
  return {
    pageSize,
    addressSpaceEnd,
    mmapMinAddr,
    mmapBase,
    commitLimit: options.commitLimit ?? Number.POSITIVE_INFINITY,
    maxMapCount: options.maxMapCount ?? 65530,
    totalMemory: options.totalMemory ?? 16 * GiB,
    pid: options.process?.pid ?? 4242,
    tid: options.process?.tid ?? options.process?.pid ?? 4242,
    cpus: options.process?.cpus ?? 4,
  };
}
