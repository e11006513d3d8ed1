import { type MappingInfo, type MapsLine, MmapProtection, type PageStateRun } from "@osal/core";
import {
  type AnnotationTable,
  decodeAttributes,
  type LinearMemoryEngine,
  PageState,
} from "@osal/linear-memory";

/**
 * What the page table lists: the mappings (`getMappings`), the `/proc/self/maps`
 * regions, and the unmapped pages by state (`pageStates`). Mappings are not
 * objects: each is a maximal run of allocated pages with one attribute byte and
 * one annotation. Called with the state lock held.
 */

/** Calls `visit` for each maximal run of pages below the frontier with equal state, attributes and annotation. */
function forEachRun(
  engine: LinearMemoryEngine,
  visit: (from: number, to: number, state: number, attributes: number, id: number) => void,
): void {
  const { states, attributes, annotationIds } = engine;
  const end = engine.frontier;
  let from = 0;
  while (from < end) {
    const state = states[from]!;
    const allocated = state === PageState.Allocated;
    const attribute = allocated ? attributes[from]! : 0;
    const id = allocated ? annotationIds[from]! : 0;
    let to = from + 1;
    while (
      to < end &&
      states[to] === state &&
      (!allocated || (attributes[to] === attribute && annotationIds[to] === id))
    ) {
      to++;
    }
    visit(from, to, state, attribute, id);
    from = to;
  }
}

/** Every mapping, by address. */
export function listMappings(
  engine: LinearMemoryEngine,
  annotations: AnnotationTable,
): MappingInfo[] {
  const pageSize = engine.granule;
  const out: MappingInfo[] = [];
  forEachRun(engine, (from, to, state, attributes, id) => {
    if (state !== PageState.Allocated) return;
    out.push({
      start: from * pageSize,
      end: to * pageSize,
      ...decodeAttributes(attributes),
      annotation: annotations.lookup(id),
    });
  });
  return out;
}

/**
 * The `/proc/self/maps` regions: every mapping with its annotation, and memory
 * that belongs to someone else (the guest's data and heap, memory grown behind
 * the manager's back) as `[heap]`. Free pages are not listed.
 */
export function listMapsLines(
  engine: LinearMemoryEngine,
  annotations: AnnotationTable,
): MapsLine[] {
  const pageSize = engine.granule;
  const lines: MapsLine[] = [];
  forEachRun(engine, (from, to, state, attributes, id) => {
    const start = from * pageSize;
    const end = to * pageSize;
    if (state === PageState.External) {
      lines.push({ start, end, prot: MmapProtection.ReadWrite, name: "[heap]" });
    } else if (state === PageState.Allocated) {
      const { prot } = decodeAttributes(attributes);
      lines.push({ start, end, prot, annotation: annotations.lookup(id) });
    }
  });
  return lines;
}

/**
 * The unmapped pages below the frontier as runs: free and known zero (never
 * handed out), free and dirty (zeroed when next mapped), or someone else's.
 */
export function listPageStates(engine: LinearMemoryEngine): PageStateRun[] {
  const pageSize = engine.granule;
  const runs: PageStateRun[] = [];
  forEachRun(engine, (from, to, state) => {
    const kind = unmappedStateName(state);
    if (kind) runs.push({ start: from * pageSize, end: to * pageSize, state: kind });
  });
  return runs;
}

/** The page-state name of an unmapped page table state, `undefined` for mapped pages. */
function unmappedStateName(state: number): PageStateRun["state"] | undefined {
  if (state === PageState.FreeZeroed) return "free-zeroed";
  if (state === PageState.FreeDirty) return "free-dirty";
  if (state === PageState.External) return "external";
  return undefined;
}
