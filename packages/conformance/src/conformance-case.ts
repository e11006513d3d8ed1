import type { Capabilities, OperatingSystem } from "@osal/core";

/** What a case can do besides asserting. */
export interface CaseContext {
  /** Ends the case as skipped, saying why (e.g. the backend cannot set up the situation). */
  skip(reason: string): never;
}

/**
 * One behaviour the suite checks, run on a fresh backend instance. `requires`
 * gates it on declared capabilities: the case runs only when every listed flag
 * has the listed value (so `{ fixed: false }` is the check that an undeclared
 * capability fails cleanly), and is reported as skipped otherwise.
 */
export interface ConformanceCase {
  readonly name: string;
  readonly requires?: Partial<Capabilities>;
  readonly run: (os: OperatingSystem, context: CaseContext) => void | Promise<void>;
}

/** A titled list of cases, registered as one `describe` block. */
export interface ConformanceGroup {
  readonly title: string;
  readonly cases: readonly ConformanceCase[];
}

/** The capability flags of `requires` that `capabilities` does not match, as `fixed=false` words. */
export function unmetRequirements(
  capabilities: Capabilities,
  requires: Partial<Capabilities> | undefined,
): string[] {
  const unmet: string[] = [];
  for (const [flag, wanted] of Object.entries(requires ?? {})) {
    if (capabilities[flag as keyof Capabilities] !== wanted) unmet.push(`${flag}=${wanted}`);
  }
  return unmet;
}
