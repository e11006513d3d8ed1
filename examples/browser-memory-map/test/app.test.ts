import { formatBytes, memoryCalls } from "@osal/core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { userEvent } from "vitest/browser";
import { type MemoryMapApp, mountApp } from "../src/app.js";
import { backendChoices } from "../src/backends.js";
import type { MapSnapshot } from "../src/map-snapshot.js";
import type { RecordedRun } from "../src/recorded-run.js";

const steps = 120;
const hex = (address: number) => `0x${address.toString(16).padStart(8, "0")}`;

let root: HTMLElement;
let app: MemoryMapApp;
const $ = <T extends Element>(selector: string) => root.querySelector<T>(selector)!;
const $$ = <T extends Element>(selector: string) => [...root.querySelectorAll<T>(selector)];

beforeAll(async () => {
  root = document.createElement("main");
  document.body.append(root);
  app = mountApp(root);
  await userEvent.fill($<HTMLInputElement>("input[name=steps]"), String(steps));
});

afterAll(() => root.remove());

/** Picks `value` in the select named `name` as a user would, and waits for the run it starts. */
async function choose(name: "workload" | "backend", value: string): Promise<RecordedRun> {
  const before = app.recorded;
  await userEvent.selectOptions($<HTMLSelectElement>(`select[name=${name}]`), value);
  await vi.waitUntil(() => app.recorded !== before && root.dataset.status === "done", {
    timeout: 10_000,
  });
  return app.recorded!;
}

/** What the user sees of snapshot `snapshot`: one rect per mapping, rows and tooltips naming its range. */
function expectMapShows(snapshot: MapSnapshot): void {
  const rects = $$<SVGRectElement>("svg.memory-map rect.mapping");
  expect(rects).toHaveLength(snapshot.mappings.length);
  const rows = $$<HTMLTableRowElement>(".mappings tbody tr");
  expect(rows).toHaveLength(snapshot.mappings.length);
  snapshot.mappings.forEach((mapping, i) => {
    const range = `${hex(mapping.start)}–${hex(mapping.end)}`;
    expect(rects[i]?.dataset.start).toBe(String(mapping.start));
    expect(rects[i]?.dataset.end).toBe(String(mapping.end));
    expect(rects[i]?.dataset.key).toBe(mapping.prot);
    expect(rects[i]?.querySelector("title")?.textContent).toMatch(new RegExp(`^${range} `));
    expect(rows[i]?.cells[0]?.textContent).toBe(range);
  });
  const states = $$<SVGRectElement>("svg.memory-map rect.page-state");
  expect(
    states.map((r) => [Number(r.dataset.start), Number(r.dataset.end), r.dataset.key]),
  ).toEqual((snapshot.pageStates ?? []).map((run) => [run.start, run.end, run.state]));
}

/** The text of the summary figure `id`. */
const figure = (id: string) => $(`.summary [data-figure=${id}] b`).textContent;

describe("the page, in Chromium", () => {
  it("starts idle, with a control for every backend and workload and a full legend", () => {
    expect(root.dataset.status).toBe("idle");
    expect($$<HTMLOptionElement>("select[name=backend] option").map((o) => o.value)).toEqual(
      backendChoices.map((b) => b.id),
    );
    expect($$("select[name=workload] option")).toHaveLength(5);
    expect($$(".legend li").map((li) => li.getAttribute("data-key"))).toEqual([
      "ReadWrite",
      "ReadWriteExec",
      "NoAccess",
      "free-zeroed",
      "free-dirty",
      "external",
      "unknown",
      "beyond",
    ]);
    expect($$("svg.memory-map *")).toHaveLength(0);
  });

  describe.each(backendChoices.map((b) => [b.name, b] as const))("zend on %s", (_, backend) => {
    let recorded: RecordedRun;
    let previousRects: Element[];

    beforeAll(async () => {
      previousRects = $$("svg.memory-map rect.mapping");
      if ($<HTMLSelectElement>("select[name=workload]").value !== "zend") {
        await choose("workload", "zend");
      }
      recorded =
        app.recorded?.backend.id === backend.id
          ? app.recorded
          : await choose("backend", backend.id);
    });

    it("ran the guest to completion with exit status 0", () => {
      expect(recorded.backend).toBe(backend);
      expect(recorded.args).toEqual([`steps=${steps}`, ...backend.args]);
      expect(recorded.run.error).toBeUndefined();
      expect(recorded.run.exitCode).toBe(0);
      expect(recorded.run.result).toMatchObject({ status: "ok", completedSteps: steps });
      expect(figure("exit")).toBe("0 (ok)");
      expect($(".status").textContent).toContain(backend.name);
      expect($(".status").textContent).toContain("completed");
    });

    it("redraws: the previous backend's rects are gone", () => {
      expect(previousRects.every((rect) => !rect.isConnected)).toBe(true);
      expect($$("svg.memory-map rect.mapping").length).toBeGreaterThan(0);
    });

    it("draws the peak snapshot: one rect per mapping, labelled with its range", () => {
      const peak = recorded.snapshots[recorded.peakIndex]!;
      expect(app.shown).toBe(recorded.peakIndex);
      expect(peak.mappings.length).toBeGreaterThan(0);
      expectMapShows(peak);
      expect($(".caption").textContent).toContain(
        `snapshot ${recorded.peakIndex + 1} of ${recorded.snapshots.length}`,
      );
      expect($(".caption").textContent).toMatch(/ · peak$/);
      // Zeroed and dirty free pages are told apart where the backend reports them.
      expect(peak.pageStates !== undefined).toBe(backend.id !== "wasm-posix-memalign");
    });

    it("sums up what the backend and the guest report", () => {
      const stats = recorded.run.os!.stats();
      const result = recorded.run.result!;
      expect(figure("peak-mapped")).toBe(formatBytes(stats.peakMappedBytes));
      expect(figure("peak-footprint")).toBe(formatBytes(stats.peakFootprintBytes));
      expect(figure("peak-live")).toBe(formatBytes(result.peakLiveBytes));
      const guestCalls = memoryCalls.reduce((n, c) => n + result.calls[c], 0);
      expect(figure("calls")).toMatch(new RegExp(`^${guestCalls} \\(mmap ${result.calls.mmap}, `));
      // No snapshot shows more than the backend's own peak.
      const mostMapped = Math.max(...recorded.snapshots.map((s) => s.stats.mappedBytes));
      expect(mostMapped).toBeLessThanOrEqual(stats.peakMappedBytes);
    });

    it("steps through the snapshots down to the empty map the guest leaves", async () => {
      const { snapshots, peakIndex } = recorded;
      await userEvent.click($("button[name=next]"));
      expect(app.shown).toBe(Math.min(peakIndex + 1, snapshots.length - 1));
      expectMapShows(snapshots[app.shown]!);
      app.show(snapshots.length - 1);
      expect($(".caption").textContent).toContain("after the run · 0 mappings");
      expectMapShows(snapshots.at(-1)!);
      await userEvent.click($("button[name=previous]"));
      expectMapShows(snapshots.at(-2)!);
      await userEvent.click($("button[name=peak]"));
      expect(app.shown).toBe(peakIndex);
      expectMapShows(snapshots[peakIndex]!);
    });
  });

  it("draws coreclr's PROT_NONE reservation around its committed granules", async () => {
    await choose("backend", "wasm-page-manager");
    const recorded = await choose("workload", "coreclr");
    expect(recorded.run.exitCode).toBe(0);
    const keys = new Set($$<SVGRectElement>("rect.mapping").map((r) => r.dataset.key));
    expect(keys).toEqual(new Set(["ReadWrite", "NoAccess"]));
    expectMapShows(recorded.snapshots[recorded.peakIndex]!);
  });

  it("says so when a backend cannot serve the workload (mmtk needs MAP_FIXED_NOREPLACE)", async () => {
    // ghc-megablock places nothing at a caller's address (wasm-posix-memalign
    // now maps MAP_FIXED_NOREPLACE inside the blocks it holds, so mmtk runs there).
    await choose("backend", "ghc-megablock-1m");
    const recorded = await choose("workload", "mmtk");
    expect(recorded.run.exitCode).toBe(4);
    expect(figure("exit")).toBe("4 (call-failed)");
    expect($(".status").textContent).toMatch(/side metadata.*Not supported/);
    expect(figure("calls")).toMatch(/, 1 failed$/);
    expectMapShows(recorded.snapshots[recorded.peakIndex]!);
  });
});
