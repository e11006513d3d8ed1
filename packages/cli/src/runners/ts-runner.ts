import { runWorkload, type WorkloadSample } from "@osal/workloads";
import { snapshotMemoryMap } from "../memory-map/snapshot.js";
import type { BackendSpec } from "./backends.js";
import type { Runner } from "./runner.js";

/**
 * The TypeScript client of each workload (`@osal/workloads`) on a
 * fresh instance of `backend`, sampled over the run, with the backend's memory
 * map taken after the last step.
 */
export function tsRunner(backend: BackendSpec): Runner {
  return {
    name: backend.name,
    kind: "ts",
    backend: backend.name,
    description: `TypeScript workload client on ${backend.description}`,
    drawsMaps: true,
    async run(workload, request) {
      const instance = backend.create();
      const samples: WorkloadSample[] = [];
      const result = runWorkload(workload, instance.os, {
        steps: request.steps,
        seed: request.seed,
        ...(request.sampleEvery !== undefined ? { sampleEvery: request.sampleEvery } : {}),
        onSample: (sample) => {
          samples.push(sample);
          request.onStep?.(sample.step);
        },
      });
      const caption = `${workload} after ${result.stepsDone} step${result.stepsDone === 1 ? "" : "s"}${result.completed ? "" : ` (stopped: ${result.failure?.code ?? "error"})`}`;
      const finalMap = snapshotMemoryMap(backend.name, caption, instance.mapSource());
      return { result, samples, finalMap, granuleBytes: instance.os.pageSize };
    },
  };
}
