import { formatBytes } from "@osal/core";
import { backendById, backendChoices } from "./backends.js";
import { drawLegend } from "./legend.js";
import { drawMappingTable } from "./mapping-table.js";
import { drawMemoryMap } from "./memory-map-view.js";
import { type RecordedRun, runAndRecord } from "./recorded-run.js";
import { drawSummary, summaryFigures } from "./summary.js";
import { workloadById, workloads } from "./workloads.js";
import "./style.css";

/** The page, mounted: what its controls do, callable from code (tests drive it this way too). */
export interface MemoryMapApp {
  /** Runs the chosen workload on the chosen backend and shows its peak map. */
  run(): Promise<RecordedRun>;
  /** Shows snapshot `index` of the last run (clamped to the snapshots there are). */
  show(index: number): void;
  /** The last completed run, if any. */
  readonly recorded: RecordedRun | undefined;
  /** Index of the snapshot shown. */
  readonly shown: number;
}

const template = `
  <form class="controls">
    <label>Workload <select name="workload"></select></label>
    <label>Backend <select name="backend"></select></label>
    <label>Steps <input name="steps" type="number" min="1" max="20000" value="300" required></label>
    <button type="submit">Run</button>
  </form>
  <p class="status" role="status">Choose a workload and a backend, then Run.</p>
  <p class="summary"></p>
  <div class="stepper" hidden>
    <button type="button" name="previous" aria-label="previous snapshot">◀</button>
    <input type="range" name="snapshot" min="0" value="0" aria-label="snapshot">
    <button type="button" name="next" aria-label="next snapshot">▶</button>
    <button type="button" name="peak">peak</button>
    <span class="caption"></span>
  </div>
  <svg class="memory-map" xmlns="http://www.w3.org/2000/svg"></svg>
  <ul class="legend"></ul>
  <details class="mappings" open>
    <summary>Mappings</summary>
    <div class="scroll">
      <table>
        <thead><tr><th>range</th><th>prot</th><th>size</th><th>annotation</th></tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </details>
  <details class="output">
    <summary>Guest output</summary>
    <pre></pre>
  </details>`;

/**
 * Builds the page inside `root`: workload, backend and steps controls, a Run
 * button (changing the workload or backend runs again), the status and summary
 * lines, a snapshot stepper (previous, slider, next, back to peak), the memory
 * map, its legend, the mappings table and the guest's output. `root.dataset.status`
 * is `idle`, `running`, `done` or `failed`.
 */
export function mountApp(root: HTMLElement): MemoryMapApp {
  root.innerHTML = template;
  const $ = <T extends Element>(selector: string) => root.querySelector<T>(selector)!;
  const form = $<HTMLFormElement>("form.controls");
  const workloadSelect = $<HTMLSelectElement>("select[name=workload]");
  const backendSelect = $<HTMLSelectElement>("select[name=backend]");
  const stepsInput = $<HTMLInputElement>("input[name=steps]");
  const status = $<HTMLElement>(".status");
  const summary = $<HTMLElement>(".summary");
  const stepper = $<HTMLElement>(".stepper");
  const slider = $<HTMLInputElement>("input[name=snapshot]");
  const caption = $<HTMLElement>(".caption");
  const svg = $<SVGSVGElement>("svg.memory-map");
  const tableBody = $<HTMLTableSectionElement>(".mappings tbody");
  const output = $<HTMLElement>(".output pre");

  workloadSelect.append(...workloads.map((w) => new Option(w.label, w.id)));
  backendSelect.append(...backendChoices.map((b) => new Option(b.name, b.id)));
  drawLegend($<HTMLElement>(".legend"));
  root.dataset.status = "idle";

  let recorded: RecordedRun | undefined;
  let shown = 0;
  let latestRun = 0;

  const show = (index: number) => {
    if (recorded === undefined) return;
    const { snapshots, peakIndex } = recorded;
    shown = Math.max(0, Math.min(snapshots.length - 1, index));
    const snapshot = snapshots[shown]!;
    const extent = Math.max(...snapshots.map((s) => s.memoryBytes));
    slider.max = String(snapshots.length - 1);
    slider.value = String(shown);
    caption.textContent = [
      `snapshot ${shown + 1} of ${snapshots.length}`,
      snapshot.after ? `after call ${snapshot.call} (${snapshot.after})` : "after the run",
      `${snapshot.mappings.length} mappings`,
      `${formatBytes(snapshot.stats.mappedBytes)} mapped, ${formatBytes(snapshot.accessibleBytes)} accessible`,
      ...(shown === peakIndex ? ["peak"] : []),
    ].join(" · ");
    drawMemoryMap(svg, snapshot, extent);
    drawMappingTable(tableBody, snapshot);
  };

  const run = async () => {
    const runId = ++latestRun;
    const workload = workloadById(workloadSelect.value);
    const backend = backendById(backendSelect.value);
    const steps = stepsInput.valueAsNumber;
    root.dataset.status = "running";
    status.textContent = `Running ${workload.id} for ${steps} steps on ${backend.name}…`;
    // Let the status paint before the guest takes the thread.
    await new Promise((resolve) => setTimeout(resolve, 0));
    try {
      const result = await runAndRecord(workload, backend, steps);
      if (runId !== latestRun) return result;
      recorded = result;
      const message = result.run.result?.message ?? String(result.run.error);
      status.textContent = `${workload.id} on ${backend.name} (${result.args.join(" ")}): ${message}`;
      drawSummary(summary, summaryFigures(result));
      output.textContent = result.run.stdout + result.run.stderr;
      stepper.hidden = false;
      show(result.peakIndex);
      root.dataset.status = "done";
      return result;
    } catch (error) {
      if (runId === latestRun) {
        status.textContent = `Could not run ${workload.id}: ${String(error)}`;
        root.dataset.status = "failed";
      }
      throw error;
    }
  };

  const runFromControls = () => {
    if (form.reportValidity()) run().catch(() => {});
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    runFromControls();
  });
  workloadSelect.addEventListener("change", runFromControls);
  backendSelect.addEventListener("change", runFromControls);
  slider.addEventListener("input", () => show(slider.valueAsNumber));
  $("button[name=previous]").addEventListener("click", () => show(shown - 1));
  $("button[name=next]").addEventListener("click", () => show(shown + 1));
  $("button[name=peak]").addEventListener("click", () => show(recorded?.peakIndex ?? 0));

  return {
    run,
    show,
    get recorded() {
      return recorded;
    },
    get shown() {
      return shown;
    },
  };
}
