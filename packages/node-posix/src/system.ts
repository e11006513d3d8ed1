import { readFileSync } from "node:fs";
import { totalmem } from "node:os";

/** Physical memory of the machine, as Node's `os.totalmem()` reports it. */
export function osTotalMemory(): number {
  return totalmem();
}

/** `vm.overcommit_memory` (0 heuristic, 1 always, 2 never), 0 when it cannot be read. */
export function overcommitMode(): number {
  try {
    return Number.parseInt(readFileSync("/proc/sys/vm/overcommit_memory", "latin1"), 10) || 0;
  } catch {
    return 0;
  }
}
