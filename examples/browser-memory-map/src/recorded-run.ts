import { ConsoleStdout, File, OpenFile, WASI } from "@bjorn3/browser_wasi_shim";
import type { OSMemory } from "@osal/core";
import { type GuestRun, runWasiGuest } from "@osal/wasm-guest";
import type { BackendChoice } from "./backends.js";
import type { MapSnapshot } from "./map-snapshot.js";
import { SnapshotRecorder } from "./snapshot-recorder.js";
import { loadGuest, type Workload } from "./workloads.js";

/** A guest run and the memory maps recorded during it. */
export interface RecordedRun {
  readonly workload: Workload;
  readonly backend: BackendChoice;
  /** The guest's arguments after its name (`steps=N` and the backend's). */
  readonly args: readonly string[];
  /** Exit status, output, parsed `OSAL-RESULT` line and the backend. */
  readonly run: GuestRun;
  /** The snapshots, in call order (the last one is the map after the run). */
  readonly snapshots: readonly MapSnapshot[];
  /** Index in `snapshots` of the peak ({@link SnapshotRecorder.peak}; 0 if the guest mapped nothing). */
  readonly peakIndex: number;
}

/**
 * Runs `workload` for `steps` steps on `backend` in this page, through
 * `@bjorn3/browser_wasi_shim` (stdout and stderr captured by `runWasiGuest`),
 * recording the backend's memory map as it goes. Synchronous once the guest is
 * compiled: the guest runs to its end on the calling thread.
 */
export async function runAndRecord(
  workload: Workload,
  backend: BackendChoice,
  steps: number,
): Promise<RecordedRun> {
  const module = await loadGuest(workload);
  const args = [`steps=${steps}`, ...backend.args];
  const wasi = new WASI(
    ["guest", ...args],
    [],
    [
      new OpenFile(new File([])),
      ConsoleStdout.lineBuffered(() => {}),
      ConsoleStdout.lineBuffered(() => {}),
    ],
    { debug: false },
  );
  const recorder = new SnapshotRecorder();
  let watched: { os: OSMemory; memory: WebAssembly.Memory } | undefined;
  const run = await runWasiGuest({
    module,
    wasi,
    backend: (context) => {
      const os = backend.factory(context);
      watched = { os, memory: context.memory };
      return recorder.watch(os, context.memory);
    },
  });
  if (watched === undefined) throw new Error(`${workload.url} imports no osal calls`);
  recorder.finish(watched.os, watched.memory);
  const snapshots = recorder.snapshots();
  const peak = recorder.peak;
  return {
    workload,
    backend,
    args,
    run,
    snapshots,
    peakIndex: peak === undefined ? 0 : snapshots.indexOf(peak),
  };
}
