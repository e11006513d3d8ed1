import { HugePageSupport, isAccessible, type MmapProtection } from "@osal/core";
import {
  decodeAttributes,
  encodeAttributes,
  type LinearMemoryEngine,
  withProtection,
} from "@osal/linear-memory";

/**
 * Changes to the attribute bytes of mapped pages (mprotect, madvise hugepage
 * hints). Called with the state lock held, on ranges known to be mapped.
 */

/**
 * mprotect of allocated pages `[first, first + count)` to `prot`: the pages
 * made accessible settle their zero marks (Note [Lazy zeroing]).
 */
export function protectPages(
  engine: LinearMemoryEngine,
  first: number,
  count: number,
  prot: MmapProtection,
): void {
  const attributes = engine.attributes;
  for (let page = first; page < first + count; page++) {
    attributes[page] = withProtection(attributes[page]!, prot);
  }
  if (isAccessible(prot)) engine.open(first, first + count);
}

/** madvise(hugepage) (`huge`) or madvise(nohugepage) over allocated pages `[first, first + count)`. */
export function hintHugePages(
  engine: LinearMemoryEngine,
  first: number,
  count: number,
  huge: boolean,
): void {
  const attributes = engine.attributes;
  const hugePage = huge ? HugePageSupport.TransparentHugePages : HugePageSupport.No;
  for (let page = first; page < first + count; page++) {
    const { prot, reserve } = decodeAttributes(attributes[page]!);
    attributes[page] = encodeAttributes(prot, reserve, hugePage);
  }
}
