import { runGuest } from "@osal/wasm-guest/node";
import type { WorkloadSample } from "@osal/workloads";
import { snapshotMemoryMap } from "../memory-map/snapshot.js";
import type { BackendInstance } from "./backends.js";
import type { GuestContext, GuestTarget } from "./guest-backends.js";
import type { GuestLocator } from "./guest-files.js";
import { guestWorkloadResult } from "./guest-result.js";
import type { Runner } from "./runner.js";

/**
 * The C guest of each workload (the repository's `guests/`, built with the
 * target's toolchain) on the target: an osal backend over the guest's memory,
 * through `@osal/wasm-guest`'s `osal` imports, or, for a peer, the libc's own
 * `mmap`. One fresh instance per run. The guest reports only its peak linear
 * memory, so its footprint "over time" is one point, at the step it reached.
 * A guest that prints no result line (it trapped) is a failed row with its stderr.
 *
 * Time counts the workload only, never compiling and instantiating the guest:
 * on an osal backend from the moment the backend is made (after instantiation,
 * before the guest's `main`) to the end; on a peer (no backend to hook) the
 * wall time of the run less that of the same guest run for 0 steps just before.
 */
export function guestRunner(target: GuestTarget, locate: GuestLocator): Runner {
  const peer = target.create === undefined;
  return {
    name: `${target.toolchain}-guest@${target.backend}`,
    kind: "guest",
    backend: target.backend,
    description: peer
      ? `C guest (${target.toolchain}) on its libc's own mmap`
      : `C guest (${target.toolchain}) on ${target.backend} through the osal imports`,
    drawsMaps: !peer,
    async run(workload, request) {
      const file = locate(workload, target.toolchain, peer ? "libc" : "osal");
      let instance: BackendInstance | undefined;
      let workloadStarted: number | undefined;
      const create = target.create;
      const args = (steps: number) => [
        `steps=${steps}`,
        `seed=${request.seed}`,
        `page=${target.page}`,
      ];
      const startupMs = create === undefined ? await timeRun(target, file, args(0)) : 0;
      const started = performance.now();
      const run = await runGuest({
        toolchain: target.toolchain,
        file,
        args: args(request.steps),
        ...(create === undefined
          ? {}
          : {
              backend: (context: GuestContext) => {
                workloadStarted = performance.now();
                instance = create(context);
                return instance.os;
              },
            }),
      });
      const ended = performance.now();
      const elapsedMs =
        workloadStarted !== undefined
          ? ended - workloadStarted
          : Math.max(0, ended - started - startupMs);
      if (run.result === undefined) {
        const why = run.stderr.trim() || String(run.error ?? `exit status ${run.exitCode}`);
        throw new Error(`guest printed no result (exit status ${run.exitCode}): ${why}`);
      }
      const figures = run.result;
      const result = guestWorkloadResult(
        workload,
        figures,
        elapsedMs,
        instance?.os.stats().zeroedBytes ?? 0,
      );
      const samples: WorkloadSample[] = [
        {
          step: figures.completedSteps,
          liveBytes: figures.liveBytes,
          footprintBytes: figures.peakMemoryBytes,
        },
      ];
      const name = `${target.toolchain}-guest@${target.backend}`;
      const caption = `${workload} C guest after ${figures.completedSteps} steps${result.completed ? "" : ` (stopped: ${figures.status})`}`;
      return {
        result,
        samples,
        granuleBytes: target.page,
        ...(instance === undefined
          ? { zeroedBytesUnknown: true }
          : { finalMap: snapshotMemoryMap(name, caption, instance.mapSource()) }),
      };
    },
  };
}

/** Wall time of a peer guest's run with `args` (its compile, instantiation, start-up and exit). */
async function timeRun(target: GuestTarget, file: string, args: string[]): Promise<number> {
  const started = performance.now();
  await runGuest({ toolchain: target.toolchain, file, args });
  return performance.now() - started;
}
