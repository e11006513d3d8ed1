/**
 * Options of {@link runConformance}. Everything is optional: the defaults keep a
 * backend's test run to a few seconds.
 */
export interface ConformanceOptions {
  /** Model-based random testing (see {@link ModelOptions}). */
  readonly model?: ModelOptions;
  /**
   * The backend's address space reaches past 4 GiB (a memory64 memory, Node
   * 24+): also run the cases that map, unmap in part, remap and read back bytes
   * above 4 GiB and across the 4 GiB line (`highAddressesGroup`).
   */
  readonly highAddresses?: boolean;
  /**
   * `true`: also run the lazy-zeroing suite (`lazyZeroingGroup`): the backend
   * promises that `NoAccess` pages are zeroed only when opened, that pages known
   * zero are never written, and that `stats().zeroedBytes` counts exactly the
   * bytes written (Note [Lazy zeroing] in @osal/linear-memory). Default `false`.
   */
  readonly lazyZeroing?: boolean;
}

/** How much model-based random testing to do. */
export interface ModelOptions {
  /** Random command sequences to run (default 20, or `OSAL_MODEL_RUNS`). 0 turns the model test off. */
  readonly runs?: number;
  /** Most commands in one sequence (default 50, or `OSAL_MODEL_STEPS`). */
  readonly steps?: number;
  /** fast-check seed, so a run can be repeated exactly (default 0x05a1, or `OSAL_MODEL_SEED`). */
  readonly seed?: number;
  /**
   * fast-check replay path (the `path` a failure report prints, or `OSAL_MODEL_PATH`):
   * with the same seed, runs just the failing sequence again.
   */
  readonly path?: string;
}

/** {@link ModelOptions} with every field decided. */
export interface ResolvedModelOptions {
  readonly runs: number;
  readonly steps: number;
  readonly seed: number;
  readonly path?: string | undefined;
}

/** Default sequences per backend: small enough for a quick local run. */
export const DEFAULT_MODEL_RUNS = 20;
/** Default commands per sequence. */
export const DEFAULT_MODEL_STEPS = 50;
/** Default seed: fixed, so every run of the suite checks the same sequences unless told otherwise. */
export const DEFAULT_MODEL_SEED = 0x05a1;

/**
 * Decides the model options: explicit options win, then the environment
 * (`OSAL_MODEL_RUNS`, `OSAL_MODEL_STEPS`, `OSAL_MODEL_SEED`, `OSAL_MODEL_PATH`, so CI can scale the
 * volume up without code changes), then the defaults. Throws a `RangeError` for
 * a value that is not a non-negative integer, rather than silently using a default.
 */
export function resolveModelOptions(
  options: ModelOptions | undefined,
  env: Readonly<Record<string, string | undefined>> = processEnv(),
): ResolvedModelOptions {
  return {
    runs: pick("runs", options?.runs, env.OSAL_MODEL_RUNS, DEFAULT_MODEL_RUNS),
    steps: pick("steps", options?.steps, env.OSAL_MODEL_STEPS, DEFAULT_MODEL_STEPS),
    seed: pick("seed", options?.seed, env.OSAL_MODEL_SEED, DEFAULT_MODEL_SEED),
    path: options?.path ?? (env.OSAL_MODEL_PATH || undefined),
  };
}

function pick(
  field: string,
  explicit: number | undefined,
  fromEnv: string | undefined,
  fallback: number,
): number {
  const value = explicit ?? (fromEnv === undefined || fromEnv === "" ? fallback : Number(fromEnv));
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(
      `conformance model option ${field} must be a non-negative integer, got ${String(explicit ?? fromEnv)}`,
    );
  }
  return value;
}

function processEnv(): Record<string, string | undefined> {
  const host = globalThis as { process?: { env?: Record<string, string | undefined> } };
  return host.process?.env ?? {};
}
