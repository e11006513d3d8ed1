import { totalmem } from "node:os";

/** Physical memory of the machine, as Node's `os.totalmem()` reports it. */
export function osTotalMemory(): number {
  return totalmem();
}
