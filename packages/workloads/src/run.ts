import { type MemoryStats, memoryCalls, OSError, type OSMemory } from "@osal/core";
import { WorkloadContext, type WorkloadFactory } from "./context.js";
import { coreclrWorkload } from "./coreclr.js";
import { ghcWorkload } from "./ghc.js";
import { mmtkWorkload } from "./mmtk.js";
import { sgenWorkload } from "./sgen.js";
import type { WorkloadName, WorkloadOptions, WorkloadResult } from "./types.js";
import { VerificationError } from "./verification.js";
import { zendWorkload } from "./zend.js";

const factories: Readonly<Record<WorkloadName, WorkloadFactory>> = {
  zend: zendWorkload,
  sgen: sgenWorkload,
  coreclr: coreclrWorkload,
  ghc: ghcWorkload,
  mmtk: mmtkWorkload,
};

/** Samples taken over a run when `sampleEvery` is not given. */
const defaultSamples = 200;

/**
 * Runs the workload `name` for `options.steps` steps on `os` and reports what
 * happened. Deterministic: the same backend state, seed and steps make the same
 * calls and the same result (timings aside). A backend error the workload has no
 * fallback for (out of memory, `ENOTSUP`, …) or a verification failure stops the
 * run: the result then has `completed: false` and the `failure`; it never throws for
 * those. It throws `RangeError` for bad options (unknown workload, steps not a
 * non-negative integer, seed not finite, `sampleEvery` not a positive integer).
 * The workload's mappings are left in place so the caller can look at the final
 * memory map; give each run a fresh backend, as peaks are the backend's own.
 */
export function runWorkload(
  name: WorkloadName,
  os: OSMemory,
  options: WorkloadOptions,
): WorkloadResult {
  const factory = Object.hasOwn(factories, name) ? factories[name] : undefined;
  if (factory === undefined) throw new RangeError(`unknown workload ${String(name)}`);
  const { steps, seed, onSample } = options;
  if (!Number.isSafeInteger(steps) || steps < 0) {
    throw new RangeError(`steps must be a non-negative integer, got ${String(steps)}`);
  }
  if (typeof seed !== "number" || !Number.isFinite(seed)) {
    throw new RangeError(`seed must be a finite number, got ${String(seed)}`);
  }
  const sampleEvery = options.sampleEvery ?? Math.max(1, Math.ceil(steps / defaultSamples));
  if (!Number.isSafeInteger(sampleEvery) || sampleEvery <= 0) {
    throw new RangeError(`sampleEvery must be a positive integer, got ${String(sampleEvery)}`);
  }

  const before = os.stats();
  const context = new WorkloadContext(os, seed);
  const sample = (step: number): void => {
    onSample?.({ step, liveBytes: context.liveBytes, footprintBytes: os.stats().footprintBytes });
  };
  const startedAt = now();
  let stepsDone = 0;
  let failure: WorkloadResult["failure"];
  let lastSample = -1;
  try {
    const workload = factory(context);
    if (onSample) {
      sample(0);
      lastSample = 0;
    }
    while (stepsDone < steps) {
      workload.step();
      stepsDone++;
      if (onSample && stepsDone % sampleEvery === 0) {
        sample(stepsDone);
        lastSample = stepsDone;
      }
    }
  } catch (error) {
    failure = describeFailure(stepsDone, error);
  }
  const elapsedMs = now() - startedAt;
  if (onSample && lastSample !== stepsDone) sample(stepsDone);

  const after = os.stats();
  const peakLiveBytes = context.peakLiveBytes;
  const peakFootprintBytes = after.peakFootprintBytes;
  const result: WorkloadResult = {
    workload: name,
    completed: failure === undefined,
    stepsDone,
    peakLiveBytes,
    peakFootprintBytes,
    footprintRatio: peakLiveBytes > 0 ? peakFootprintBytes / peakLiveBytes : 0,
    zeroedBytes: after.zeroedBytes - before.zeroedBytes,
    failedCalls: failedCallCount(after) - failedCallCount(before),
    operations: context.operations,
    elapsedMs,
    usPerOperation: context.operations > 0 ? (elapsedMs * 1000) / context.operations : 0,
  };
  if (failure !== undefined) result.failure = failure;
  return result;
}

/** Turns what a step threw into the `failure` record of a result. */
function describeFailure(step: number, error: unknown): NonNullable<WorkloadResult["failure"]> {
  if (error instanceof OSError || error instanceof VerificationError) {
    return { step, code: error.code, message: error.message };
  }
  if (error instanceof Error) return { step, message: `${error.name}: ${error.message}` };
  return { step, message: String(error) };
}

function failedCallCount(stats: MemoryStats): number {
  let total = 0;
  for (const call of memoryCalls) total += stats.failedCalls[call];
  return total;
}

/** Milliseconds from a monotonic clock where the host has one (Node, browsers). */
function now(): number {
  const clock = (globalThis as { performance?: { now(): number } }).performance;
  return clock ? clock.now() : Date.now();
}
