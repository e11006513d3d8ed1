import { describe, expect, it } from "vitest";
import type { GuestResult, GuestToolchain } from "../../src/index.js";
import { runGuest } from "../../src/node/index.js";
import { guestBackends, pageManager } from "./backends.js";
import { expectOutcome, libcOutcomes, osalOutcome } from "./expectations.js";
import { guestFile, type WorkloadName, workloads } from "./guest-files.js";

/** A guest run can take seconds (Emscripten's libc zend memsets its way to 4 GiB). */
const timeout = 60_000;

/**
 * Steps per run: zend runs the 4 000 on the page manager and on the
 * libc builds (Emscripten's runs out of memory near step 2 600); everything
 * else runs 1 000, enough to churn its memory several times over.
 */
function stepsFor(workload: WorkloadName, backend: string): number {
  return workload === "zend" && (backend === pageManager.name || backend === "libc") ? 4000 : 1000;
}

/** The result lines of the runs so far, by "workload/backend", for the figures tests. */
export type MatrixResults = Map<string, GuestResult>;

/**
 * Runs every guest of `toolchain` on every wasm backend that can serve it
 * (osal builds) and on its libc's own mmap (libc builds), checking exit status,
 * the guest's own checks and the figures it prints. Results are recorded in
 * the returned map as the tests run (in order), for later tests to read.
 */
export function describeGuestMatrix(toolchain: GuestToolchain): MatrixResults {
  const results: MatrixResults = new Map();
  describe(`${toolchain} guests`, () => {
    for (const workload of workloads) {
      for (const backend of guestBackends.filter((b) => b.toolchains.includes(toolchain))) {
        it(
          `${workload} (osal) on ${backend.name}`,
          async () => {
            const run = await runGuest({
              toolchain,
              file: guestFile(toolchain, workload, "osal"),
              backend: backend.factory,
              args: [`steps=${stepsFor(workload, backend.name)}`, ...backend.args],
            });
            const os = run.os;
            if (os === undefined) throw new Error("an osal guest must get a backend");
            const expected = osalOutcome(toolchain, workload, backend.name, os.capabilities);
            const result = expectOutcome(run, expected, { toolchain, workload, mman: "osal" });
            results.set(`${workload}/${backend.name}`, result);
            // No unmap is ever lost, and the backend saw every call the guest made.
            expect(result.failedCalls.munmap).toBe(0);
            expect(os.stats().calls.mmap).toBe(result.calls.mmap);
          },
          timeout,
        );
      }
      it(
        `${workload} (libc) on its libc's own mmap`,
        async () => {
          const run = await runGuest({
            toolchain,
            file: guestFile(toolchain, workload, "libc"),
            args: [`steps=${stepsFor(workload, "libc")}`],
          });
          expect(run.os).toBeUndefined();
          const result = expectOutcome(run, libcOutcomes[toolchain][workload], {
            toolchain,
            workload,
            mman: "libc",
          });
          results.set(`${workload}/libc`, result);
        },
        timeout,
      );
    }
  });
  return results;
}

/** The recorded result of a run that must have happened earlier in the file. */
export function recorded(results: MatrixResults, key: string): GuestResult {
  const result = results.get(key);
  if (result === undefined)
    throw new Error(`the ${key} run did not record a result (it failed above)`);
  return result;
}
