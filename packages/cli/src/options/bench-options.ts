import { parseArgs } from "node:util";
import { type WorkloadName, workloadNames } from "@osal/workloads";
import { parseCount, parseList, UsageError } from "./list-option.js";

/** Steps per run when `--steps` is not given: enough for footprints to settle, quick enough for `npm start`. */
export const defaultSteps = 2000;
/** `--memory-cap` when not given, in MiB (Note [Bench memory]). */
export const defaultMemoryCapMiB = 768;
/** Seed when `--seed` is not given. */
export const defaultSeed = 1;
/** Output folder when `--out` is not given, relative to the working directory. */
export const defaultOutDir = "osal-out";

/** `osal bench` options after parsing. */
export interface BenchOptions {
  readonly workloads: readonly WorkloadName[];
  /** Backend or peer names, or `undefined` for all. */
  readonly backends: readonly string[] | undefined;
  readonly steps: number;
  readonly seed: number;
  readonly outDir: string;
  readonly json: boolean;
  /** Linear-memory cap of every run in bytes (`--memory-cap` in MiB). */
  readonly memoryCapBytes: number;
  /** Measure the page manager's scaling figures too (`--no-scaling` leaves them out). */
  readonly scaling: boolean;
  readonly help: boolean;
}

/** Parses `osal bench` arguments; throws {@link UsageError} on anything unknown or malformed. */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  const { values } = parseStrict(argv, {
    workloads: { type: "string" },
    backends: { type: "string" },
    steps: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    json: { type: "boolean" },
    "no-scaling": { type: "boolean" },
    "memory-cap": { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  const backendList = values.backends as string | undefined;
  const backends =
    backendList === undefined
      ? undefined
      : backendList
          .split(",")
          .map((s) => s.trim())
          .filter((s) => s !== "");
  if (backends !== undefined && backends.length === 0) {
    throw new UsageError("--backends needs at least one name");
  }
  return {
    workloads: parseList("workloads", values.workloads as string | undefined, workloadNames),
    backends,
    steps: parseCount("steps", values.steps as string | undefined, defaultSteps),
    seed: parseCount("seed", values.seed as string | undefined, defaultSeed),
    outDir: (values.out as string | undefined) ?? defaultOutDir,
    json: values.json === true,
    memoryCapBytes:
      parseCount("memory-cap", values["memory-cap"] as string | undefined, defaultMemoryCapMiB) *
      2 ** 20,
    scaling: values["no-scaling"] !== true,
    help: values.help === true,
  };
}

/** `osal maps` options after parsing. */
export interface MapsOptions {
  readonly backend: string;
  readonly workload: WorkloadName;
  readonly step: number;
  readonly seed: number;
  readonly outDir: string;
  readonly help: boolean;
}

/** Parses `osal maps` arguments; `--backend` and `--workload` are required unless `--help`. */
export function parseMapsOptions(argv: readonly string[]): MapsOptions {
  const { values } = parseStrict(argv, {
    backend: { type: "string" },
    workload: { type: "string" },
    step: { type: "string" },
    seed: { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", short: "h" },
  });
  const help = values.help === true;
  const backend = values.backend as string | undefined;
  const workload = values.workload as string | undefined;
  if (!help && (backend === undefined || workload === undefined)) {
    throw new UsageError("osal maps needs --backend and --workload");
  }
  if (workload?.includes(",")) throw new UsageError("--workload takes one workload name");
  const [parsedWorkload] = parseList("workload", workload ?? workloadNames[0]!, workloadNames);
  return {
    backend: backend ?? "",
    workload: parsedWorkload!,
    step: parseCount("step", values.step as string | undefined, defaultSteps),
    seed: parseCount("seed", values.seed as string | undefined, defaultSeed),
    outDir: (values.out as string | undefined) ?? defaultOutDir,
    help,
  };
}

type OptionSpec = Record<string, { type: "string" | "boolean"; short?: string }>;

function parseStrict(argv: readonly string[], options: OptionSpec) {
  try {
    return parseArgs({ args: [...argv], options, strict: true, allowPositionals: false });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}
