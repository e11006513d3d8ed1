/**
 * What an unmapped stretch of a backend's memory holds, for pictures and
 * diagnostics: free and known to be zero (handing it out costs no memset), free
 * but dirty (it will be zeroed when handed out), or someone else's memory the
 * backend must never hand out (a guest's `sbrk` heap, an alignment gap).
 */
export type PageState = "free-zeroed" | "free-dirty" | "external";

/** A run of pages in one {@link PageState}. */
export interface PageStateRun {
  /** First byte (page-aligned). */
  readonly start: number;
  /** One past the last byte. */
  readonly end: number;
  /** What the run holds. */
  readonly state: PageState;
}

/**
 * An optional extra a backend may offer besides `OSMemory`: the state of every
 * page it does not have mapped, so tools such as `osal maps` can tell zeroed
 * free pages from dirty ones. Mapped pages are listed by `getMappings()`.
 */
export interface PageStateReporter {
  /** The unmapped runs of the memory this backend manages, sorted by address. Reads only. */
  pageStates(): readonly PageStateRun[];
}

/** True when `os` offers {@link PageStateReporter.pageStates}. */
export function reportsPageStates<T extends object>(os: T): os is T & PageStateReporter {
  return typeof (os as Partial<PageStateReporter>).pageStates === "function";
}
