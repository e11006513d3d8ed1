import type { Capabilities } from "@osal/core";
import { expect } from "vitest";
import type { GuestResult, GuestToolchain } from "../../src/index.js";
import type { GuestRun } from "../../src/node/index.js";
import type { WorkloadName } from "./guest-files.js";

/** How a guest run is expected to end. */
export interface Outcome {
  readonly status: GuestResult["status"];
  /** What the stop message must say. */
  readonly message?: RegExp;
}

const exitCodes: Record<GuestResult["status"], number> = {
  ok: 0,
  "check-failed": 2,
  "out-of-memory": 3,
  "call-failed": 4,
};

/**
 * The outcome of an osal build on a backend. Every workload completes, except
 * where the backend says (capabilities) it cannot serve the workload: mmtk needs
 * `MAP_FIXED_NOREPLACE` (ENOTSUP otherwise), which wasm-posix-memalign honours
 * over the quarantine it holds.
 */
export function osalOutcome(
  _toolchain: GuestToolchain,
  workload: WorkloadName,
  backend: string,
  capabilities: Capabilities,
): Outcome {
  if (
    workload === "mmtk" &&
    !(capabilities.fixed && capabilities.noReplace) &&
    backend !== "wasm-posix-memalign"
  ) {
    return { status: "call-failed", message: /side metadata.*Not supported/ };
  }
  return { status: "ok" };
}

/**
 * The outcome of a libc build on the libc's own mmap, as measured (see the
 * README): wasi-libc's emulation returns addresses that are not page-aligned
 * (zend and ghc stop before they overrun), refuses PROT_NONE / MAP_NORESERVE
 * reservations and has no partial munmap; Emscripten's has no partial munmap
 * (zend leaks until linear memory is exhausted; ghc and mmtk cannot trim) and
 * a madvise that does nothing (coreclr reads stale bytes after decommit).
 */
export const libcOutcomes: Readonly<
  Record<GuestToolchain, Readonly<Record<WorkloadName, Outcome>>>
> = {
  wasi: {
    zend: { status: "check-failed", message: /page-aligned/ },
    sgen: { status: "ok" },
    coreclr: { status: "call-failed", message: /mmap \(reserve\) failed/ },
    ghc: { status: "check-failed", message: /page-aligned/ },
    mmtk: { status: "call-failed", message: /mmap \(quarantine\) failed/ },
  },
  emscripten: {
    zend: { status: "out-of-memory", message: /out of memory/ },
    sgen: { status: "ok" },
    coreclr: { status: "check-failed", message: /committed granule reads zero/ },
    ghc: { status: "call-failed", message: /munmap \(head\) failed/ },
    mmtk: { status: "call-failed", message: /munmap \(trim head\) failed/ },
  },
};

/** Checks a run against its expected outcome and returns its result line. */
export function expectOutcome(
  run: GuestRun,
  expected: Outcome,
  what: { toolchain: GuestToolchain; workload: WorkloadName; mman: "osal" | "libc" },
): GuestResult {
  expect(run.error, `${String(run.error)}\n${run.stderr}`).toBeUndefined();
  const result = run.result;
  if (result === undefined) throw new Error(`no OSAL-RESULT line; stderr: ${run.stderr}`);
  expect(result, run.stderr).toMatchObject({
    workload: what.workload,
    toolchain: what.toolchain,
    mman: what.mman,
    status: expected.status,
  });
  expect(run.exitCode).toBe(exitCodes[expected.status]);
  if (expected.message) expect(result.message).toMatch(expected.message);
  if (expected.status === "ok") {
    expect(result.completedSteps).toBe(result.steps);
    expect(result.liveBytes).toBe(0);
  } else {
    expect(run.stderr).toContain(`stopped at step ${result.completedSteps}`);
  }
  return result;
}
