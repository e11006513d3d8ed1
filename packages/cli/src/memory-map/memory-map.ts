import type { MmapProtection } from "@osal/core";

/**
 * What a span of address space is at the moment a map was taken.
 * - `mapped`: a caller's mapping (drawn by its annotation);
 * - `free-zeroed`: owned by the backend, free, known to read as zero (no memset needed);
 * - `free-dirty`: owned by the backend, free, possibly written (zeroed when mapped again);
 * - `free`: owned by the backend and free, zero state not reported by the backend;
 * - `external`: inside the backend's memory but owned by someone else (a guest's heap);
 * - `unmapped`: address space nobody holds (sparse simulated processes).
 */
export type SpanState = "mapped" | "free-zeroed" | "free-dirty" | "free" | "external" | "unmapped";

/** Every {@link SpanState}, in legend order. */
export const spanStates: readonly SpanState[] = [
  "mapped",
  "free-zeroed",
  "free-dirty",
  "free",
  "external",
  "unmapped",
];

/** One run of pages in the same state (and, when mapped, with the same annotation and protection). */
export interface MapSpan {
  /** First byte. */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
  /** What the span is. */
  readonly state: SpanState;
  /** For mapped spans: the formatted annotation (`space:immix`), or `""` when none was given. */
  readonly annotation?: string;
  /** For mapped spans: the protection. */
  readonly prot?: MmapProtection;
}

/**
 * A backend's address space at one instant, as drawn by the memory-map chart:
 * sorted, non-overlapping spans covering `[start, end)` without holes.
 * Plain data, so it serialises to JSON and can come from a guest run too.
 */
export interface MemoryMap {
  /** Runner (backend) the map was taken from. */
  readonly backend: string;
  /** What was running: workload name and steps done, for the title. */
  readonly caption: string;
  /** The backend's page size in bytes. */
  readonly pageSize: number;
  /** First byte covered. */
  readonly start: number;
  /** One past the last byte covered. */
  readonly end: number;
  /** The spans, sorted by address, covering `[start, end)`. */
  readonly spans: readonly MapSpan[];
  /** True when free pages are told apart as zeroed or dirty (the backend has a page-state query). */
  readonly zeroStateKnown: boolean;
}
