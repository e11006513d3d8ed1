import { formatBytes, type MemoryStats, memoryCalls } from "@osal/core";
import type { RecordedRun } from "./recorded-run.js";

/** One figure of the summary line: an id for `data-figure`, a label, and the value shown. */
export interface SummaryFigure {
  readonly id: "exit" | "peak-mapped" | "peak-footprint" | "peak-live" | "calls";
  readonly label: string;
  readonly value: string;
}

/**
 * The figures of a run the summary line shows: the guest's exit status and
 * result status, the backend's peak mapped bytes and peak footprint (its
 * `stats()` after the run), the guest's own peak live bytes (`OSAL-RESULT`),
 * and the memory calls the backend served, by kind (failed ones counted apart).
 */
export function summaryFigures(recorded: RecordedRun): SummaryFigure[] {
  const { run } = recorded;
  const stats = run.os?.stats();
  const figures: SummaryFigure[] = [
    { id: "exit", label: "exit", value: `${run.exitCode} (${run.result?.status ?? "no result"})` },
  ];
  if (stats) {
    figures.push(
      { id: "peak-mapped", label: "peak mapped", value: formatBytes(stats.peakMappedBytes) },
      {
        id: "peak-footprint",
        label: "peak footprint",
        value: formatBytes(stats.peakFootprintBytes),
      },
    );
  }
  if (run.result) {
    figures.push({
      id: "peak-live",
      label: "guest peak live",
      value: formatBytes(run.result.peakLiveBytes),
    });
  }
  if (stats) figures.push({ id: "calls", label: "calls", value: describeCalls(stats) });
  return figures;
}

/** `189 (mmap 80, munmap 82, mremap 27)`, kinds with no call left out, failures appended. */
function describeCalls(stats: MemoryStats): string {
  const total = (counts: MemoryStats["calls"]) => memoryCalls.reduce((n, c) => n + counts[c], 0);
  const kinds = memoryCalls.filter((c) => stats.calls[c] > 0).map((c) => `${c} ${stats.calls[c]}`);
  const failed = total(stats.failedCalls);
  return `${total(stats.calls)} (${kinds.join(", ")})${failed > 0 ? `, ${failed} failed` : ""}`;
}

/** Fills `line` with the figures, each in a `span[data-figure]`, separated by ` · `. */
export function drawSummary(line: HTMLElement, figures: readonly SummaryFigure[]): void {
  line.replaceChildren();
  figures.forEach((figure, i) => {
    if (i > 0) line.append(" · ");
    const span = document.createElement("span");
    span.dataset.figure = figure.id;
    const value = document.createElement("b");
    value.textContent = figure.value;
    span.append(`${figure.label} `, value);
    line.append(span);
  });
}
