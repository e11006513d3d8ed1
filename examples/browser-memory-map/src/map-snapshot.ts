import type { MappingInfo, MemoryCall, MemoryStats, PageStateRun } from "@osal/core";

/** The memory map of a backend at one moment of a guest's run. */
export interface MapSnapshot {
  /** How many memory calls the guest had made (1 = after its first call). */
  readonly call: number;
  /** The call just made (`undefined` for a snapshot taken after the run). */
  readonly after: MemoryCall | undefined;
  /** The guest's linear memory size then (`memory.buffer.byteLength`). */
  readonly memoryBytes: number;
  /** `getMappings()`: the mapped ranges, sorted by address. */
  readonly mappings: readonly MappingInfo[];
  /** Bytes of the mappings the guest can access (every protection but `NoAccess`). */
  readonly accessibleBytes: number;
  /** `pageStates()`: the unmapped runs, when the backend reports them. */
  readonly pageStates: readonly PageStateRun[] | undefined;
  /** `stats()` then. */
  readonly stats: MemoryStats;
}
