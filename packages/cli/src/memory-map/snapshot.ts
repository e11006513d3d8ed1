import { formatAnnotation, type OperatingSystem, reportsPageStates } from "@osal/core";
import type { MapSpan, MemoryMap, SpanState } from "./memory-map.js";

/** A run of free or foreign pages as a backend's page-state query reports it. */
export interface PageStateRun {
  readonly start: number;
  readonly end: number;
  readonly state: "free-zeroed" | "free-dirty" | "free" | "external";
}

/** Where a memory map's facts come from. */
export interface MapSource {
  /** The backend. Its `getMappings()` gives the mapped spans; its page states the free and external ones. */
  readonly os: OperatingSystem;
  /**
   * Size of the linear memory the backend manages, for wasm backends: the map
   * then covers `[0, memoryBytes)` and pages outside every mapping are free.
   * Omitted (simulated processes): the map spans the mappings and gaps are unmapped.
   */
  readonly memoryBytes?: number;
  /**
   * A page-state query telling free pages apart as zeroed or dirty. Defaults to
   * the backend's own `pageStates()` when it offers one (`PageStateReporter`).
   */
  readonly pageStates?: () => readonly PageStateRun[];
}

/**
 * Takes the memory map of a backend now: its mappings by annotation, and between
 * them what the page-state query reports (free pages, zeroed or dirty, and pages
 * someone else owns, such as a guest's heap) or else free pages or unmapped
 * address space. Reads only; the backend is not changed.
 */
export function snapshotMemoryMap(backend: string, caption: string, source: MapSource): MemoryMap {
  const { os } = source;
  const foreground: MapSpan[] = os.getMappings().map((m) => ({
    start: m.start,
    end: m.end,
    state: "mapped",
    annotation: m.annotation ? formatAnnotation(m.annotation) : "",
    prot: m.prot,
  }));
  foreground.sort((a, b) => a.start - b.start);

  const start = source.memoryBytes !== undefined ? 0 : (foreground[0]?.start ?? 0);
  const end = Math.max(source.memoryBytes ?? 0, ...foreground.map((s) => s.end), start);
  const gapState: SpanState = source.memoryBytes !== undefined ? "free" : "unmapped";
  const query = source.pageStates ?? (reportsPageStates(os) ? () => os.pageStates() : undefined);
  const background = [...(query?.() ?? [])].sort((a, b) => a.start - b.start);

  const spans: MapSpan[] = [];
  let next = 0;
  const fillGap = (from: number, to: number): void => {
    let at = from;
    while (next < background.length && background[next]!.end <= at) next++;
    for (let i = next; i < background.length && at < to; i++) {
      const run = background[i]!;
      if (run.start >= to) break;
      if (run.start > at) push(spans, { start: at, end: run.start, state: gapState });
      const runEnd = Math.min(run.end, to);
      if (runEnd > Math.max(at, run.start)) {
        push(spans, { start: Math.max(at, run.start), end: runEnd, state: run.state });
      }
      at = Math.max(at, runEnd);
    }
    if (at < to) push(spans, { start: at, end: to, state: gapState });
  };

  let cursor = start;
  for (const span of foreground) {
    const from = Math.max(span.start, cursor);
    if (from >= span.end) continue;
    if (from > cursor) fillGap(cursor, from);
    push(spans, { ...span, start: from });
    cursor = span.end;
  }
  if (cursor < end) fillGap(cursor, end);

  return {
    backend,
    caption,
    pageSize: os.pageSize,
    start,
    end,
    spans,
    zeroStateKnown: query !== undefined,
  };
}

/** Appends `span`, merging it into the previous one when they touch and are alike. */
function push(spans: MapSpan[], span: MapSpan): void {
  const last = spans[spans.length - 1];
  if (
    last !== undefined &&
    last.end === span.start &&
    last.state === span.state &&
    last.annotation === span.annotation &&
    last.prot === span.prot
  ) {
    spans[spans.length - 1] = { ...last, end: span.end };
    return;
  }
  spans.push(span);
}
