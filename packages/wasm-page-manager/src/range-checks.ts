import { type MemoryCall, MemoryFault, type MmapAnnotation, MmapError } from "@osal/core";
import { isAccessibleAttribute, type LinearMemoryEngine, PageState } from "@osal/linear-memory";

/**
 * Checks of a page range against the page table, each throwing the error the
 * call reports: MAP_FIXED claims (someone else's pages, mapped pages, growth),
 * "every page mapped" for mprotect/madvise/prctl/panic, and the access fault of
 * read/write/fill. All called with the state lock held; none changes a mapping.
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

/** Throws `code` unless every page of `[first, first + count)` is allocated. */
export function requireAllocated(
  engine: LinearMemoryEngine,
  call: MemoryCall | "prctl",
  first: number,
  count: number,
  code: "EFAULT" | "ENOMEM",
): void {
  const states = engine.states;
  const pageSize = engine.granule;
  for (let page = first; page < first + count; page++) {
    if (states[page] !== PageState.Allocated) {
      throw new MmapError({
        code,
        syscall: call,
        address: first * pageSize,
        size: count * pageSize,
        detail: `page ${(page * pageSize).toString(16)} is not mapped`,
      });
    }
  }
}

/** `MemoryFault` unless every byte of the access lies in an accessible mapping. */
export function checkAccessible(
  engine: LinearMemoryEngine,
  call: "read" | "write" | "fill",
  address: number,
  length: number,
): void {
  if (length === 0) return;
  const pageSize = engine.granule;
  const firstPage = Math.floor(address / pageSize);
  const endPage = Math.ceil((address + length) / pageSize);
  for (let page = firstPage; page < endPage; page++) {
    const mapped = page < engine.totalPages && engine.states[page] === PageState.Allocated;
    if (!mapped || !isAccessibleAttribute(engine.attributes[page]!)) {
      throw new MemoryFault({
        syscall: call,
        address,
        size: length,
        faultAddress: Math.max(address, page * pageSize),
        reason: mapped ? "protection" : "unmapped",
      });
    }
  }
}
