import { type MemoryCall, type MmapAnnotation, MmapError } from "@osal/core";
import { type LinearMemoryEngine, PageState } from "@osal/linear-memory";

/**
 * The MAP_FIXED claims of a page range against the page table, each throwing
 * the error the call reports: someone else's pages (`ENOTSUP`), mapped pages
 * without replace (`EEXIST`), growth that falls short (`ENOMEM`). Called with
 * the state lock held; none changes a mapping. (Holes, "every page mapped" and
 * access faults are core's call path.)
 */

/**
 * Makes `[first, first + count)` ours for a fixed placement without mapping
 * anything: `ENOTSUP` on someone else's pages, `EEXIST` on mapped ones unless
 * `replace`, `ENOMEM` when the memory cannot grow that far.
 */
export function claimFixed(
  engine: LinearMemoryEngine,
  call: MemoryCall,
  first: number,
  count: number,
  replace: boolean,
  annotation: MmapAnnotation | undefined,
): void {
  if (first + count > engine.frontier) engine.sync();
  checkFixed(engine, first, count, replace, annotation, call);
  if (first + count > engine.frontier) {
    engine.extend(first + count);
    checkClaimed(engine, first, count, annotation, call);
  }
}

/** MAP_FIXED checks: external pages → ENOTSUP; with noreplace, mapped pages → EEXIST. */
export function checkFixed(
  engine: LinearMemoryEngine,
  first: number,
  count: number,
  replace: boolean,
  annotation: MmapAnnotation | undefined,
  call: MemoryCall = "mmap",
): void {
  const states = engine.states;
  const pageSize = engine.granule;
  let mapped = false;
  for (let page = first; page < first + count; page++) {
    const state = states[page];
    if (state === PageState.External) {
      throw new MmapError({
        code: "ENOTSUP",
        syscall: call,
        address: page * pageSize,
        size: count * pageSize,
        annotation,
        detail:
          "the range holds memory this manager does not own (the guest's or grown by another party)",
      });
    }
    if (state === PageState.Allocated) mapped = true;
  }
  if (mapped && !replace) {
    throw new MmapError({
      code: "EEXIST",
      syscall: "mmap",
      address: first * pageSize,
      size: count * pageSize,
      annotation,
      detail: "the range overlaps an existing mapping",
    });
  }
}

/** After growing for a fixed mapping: every page must now be ours (`ENOMEM`, `ENOTSUP`). */
export function checkClaimed(
  engine: LinearMemoryEngine,
  first: number,
  count: number,
  annotation: MmapAnnotation | undefined,
  call: MemoryCall = "mmap",
): void {
  if (first + count > engine.frontier) {
    throw new MmapError({
      code: "ENOMEM",
      syscall: call,
      address: first * engine.granule,
      size: count * engine.granule,
      annotation,
      detail: "the memory could not grow far enough",
    });
  }
  checkFixed(engine, first, count, true, annotation, call);
}
