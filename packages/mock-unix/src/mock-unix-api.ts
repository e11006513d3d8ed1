import type { OperatingSystem } from "@osal/core";
import type { FaultInjector } from "./fault-injection.js";
import type { ResolvedMockUnixOptions } from "./options.js";

/** A simulated Linux process: an {@link OperatingSystem} with test hooks. */
export interface MockUnix extends OperatingSystem {
  /** Makes chosen calls fail with a chosen errno. */
  readonly faults: FaultInjector;
  /** The settings in force, defaults filled in. */
  readonly options: ResolvedMockUnixOptions;
  /** The cores the calling thread was bound to, or `undefined` if never bound. */
  getThreadAffinity(): readonly number[] | undefined;
  /** Bytes of host memory the pages of `[start, start + size)` occupy (resident pages only). */
  residentBytesIn(start: number, size: number): number;
}
