import { WasmPageManager, type WasmPageManagerOptions } from "@osal/wasm-page-manager";
import type { PageStateRun } from "../memory-map/snapshot.js";

/**
 * The page-table state codes of `@osal/wasm-page-manager` (its `PageState`, see
 * its Note [Page manager over linear memory]): one byte per page. The package
 * does not export them, so they are repeated here; `test/page-manager-states.test.ts`
 * checks them against the manager's own `getMappings()` and zeroing counts.
 */
const External = 1;
const FreeZeroed = 2;
const FreeDirty = 3;

/**
 * A wasm page manager whose page table can be read for memory maps. The manager
 * keeps its table in the protected `states` array and has no public page-state
 * query; this subclass adds a read-only one and changes nothing else.
 */
export class InspectableWasmPageManager extends WasmPageManager {
  /**
   * Runs of free-zeroed, free-dirty and external pages in `[0, frontier)`, the
   * pages accounted for (allocated pages are left to `getMappings()`). Reads only.
   */
  pageStateRuns(): PageStateRun[] {
    const runs: PageStateRun[] = [];
    const end = Math.min(this.frontier, this.states.length);
    let runStart = 0;
    let runState = end > 0 ? this.states[0]! : 0;
    for (let page = 1; page <= end; page++) {
      const state = page < end ? this.states[page]! : -1;
      if (state === runState) continue;
      const name = stateName(runState);
      if (name !== undefined) {
        runs.push({ start: runStart * this.pageSize, end: page * this.pageSize, state: name });
      }
      runStart = page;
      runState = state;
    }
    return runs;
  }
}

/** A page manager that can report its page states. */
export function createInspectableWasmPageManager(
  options: WasmPageManagerOptions = {},
): InspectableWasmPageManager {
  return new InspectableWasmPageManager(options);
}

function stateName(state: number): PageStateRun["state"] | undefined {
  switch (state) {
    case External:
      return "external";
    case FreeZeroed:
      return "free-zeroed";
    case FreeDirty:
      return "free-dirty";
    default:
      return undefined;
  }
}
