import { formatBytes } from "@osal/core";
import { describeMapping, hexAddress, rangeLabel } from "./address-label.js";
import type { MapSnapshot } from "./map-snapshot.js";
import { type MapKey, palette } from "./palette.js";
import { svgElement } from "./svg.js";

const WIDTH = 960;
const LEFT = 12;
const STRIP_WIDTH = WIDTH - 2 * LEFT;
const TOP = 26;
const STRIP_HEIGHT = 96;
const HEIGHT = TOP + STRIP_HEIGHT + 36;
/** At most about this many labelled ticks on the address axis. */
const TICKS = 8;

/**
 * Draws `snapshot` into `svg` (replacing what was there) as one horizontal strip
 * of addresses `[0, extent)`, left to right: the unmapped runs the backend
 * reports (free zeroed, free dirty, external) over a grey "not reported"
 * background, then one `rect.mapping` per mapping coloured by protection, with
 * `data-start` / `data-end` and a tooltip naming its range; past the memory's
 * size then, white. Below, an address axis with power-of-two ticks in hex;
 * above, a marker at `memory.size`. `extent` is the same for every snapshot
 * of a run (its largest memory), so stepping through them keeps the scale.
 */
export function drawMemoryMap(svg: SVGSVGElement, snapshot: MapSnapshot, extent: number): void {
  const x = (address: number) => LEFT + (address / extent) * STRIP_WIDTH;
  const band = (start: number, end: number, key: MapKey, title: string, kind: string) =>
    svgElement(
      "rect",
      {
        class: kind,
        "data-key": key,
        "data-start": start,
        "data-end": end,
        x: x(start),
        y: TOP,
        width: Math.max(1, x(end) - x(start)),
        height: STRIP_HEIGHT,
        fill: palette[key].fill,
      },
      title,
    );

  svg.replaceChildren();
  svg.setAttribute("viewBox", `0 0 ${WIDTH} ${HEIGHT}`);
  svg.setAttribute("role", "img");
  svg.setAttribute(
    "aria-label",
    `memory map: ${snapshot.mappings.length} mappings, ${formatBytes(snapshot.stats.mappedBytes)} mapped`,
  );

  const memoryEnd = Math.min(snapshot.memoryBytes, extent);
  svg.append(band(0, memoryEnd, "unknown", palette.unknown.label, "background"));
  for (const run of snapshot.pageStates ?? []) {
    const title = `${rangeLabel(run)} ${palette[run.state].label} ${formatBytes(run.end - run.start)}`;
    svg.append(band(run.start, run.end, run.state, title, "page-state"));
  }
  if (memoryEnd < extent)
    svg.append(band(memoryEnd, extent, "beyond", palette.beyond.label, "beyond"));
  for (const mapping of snapshot.mappings) {
    const rect = band(
      mapping.start,
      mapping.end,
      mapping.prot,
      describeMapping(mapping),
      "mapping",
    );
    if (x(mapping.end) - x(mapping.start) >= 4) {
      rect.setAttribute("stroke", "#ffffff");
      rect.setAttribute("stroke-width", "0.5");
    }
    svg.append(rect);
  }
  svg.append(
    svgElement("rect", {
      x: LEFT,
      y: TOP,
      width: STRIP_WIDTH,
      height: STRIP_HEIGHT,
      fill: "none",
      stroke: "#999999",
    }),
  );
  drawMemorySizeMarker(svg, x(memoryEnd), snapshot.memoryBytes);
  drawAxis(svg, extent, x);
}

/** A dashed line at the memory's size then, labelled with it. */
function drawMemorySizeMarker(svg: SVGSVGElement, at: number, bytes: number): void {
  svg.append(
    svgElement("line", {
      x1: at,
      x2: at,
      y1: TOP - 6,
      y2: TOP + STRIP_HEIGHT,
      stroke: "#222222",
      "stroke-dasharray": "3 2",
    }),
  );
  const label = svgElement("text", {
    class: "memory-size",
    x: at,
    y: TOP - 9,
    "text-anchor": at > WIDTH / 2 ? "end" : "start",
  });
  label.textContent = `memory.size ${formatBytes(bytes)}`;
  svg.append(label);
}

/** Ticks every power-of-two bytes (at most about {@link TICKS}), labelled in hex. */
function drawAxis(svg: SVGSVGElement, extent: number, x: (address: number) => number): void {
  let step = 64 * 1024;
  while (extent / step > TICKS) step *= 2;
  const y = TOP + STRIP_HEIGHT;
  for (let address = 0; address <= extent; address += step) {
    const at = x(address);
    svg.append(svgElement("line", { x1: at, x2: at, y1: y, y2: y + 6, stroke: "#555555" }));
    const label = svgElement("text", {
      class: "tick",
      x: at,
      y: y + 19,
      "text-anchor": address === 0 ? "start" : at > WIDTH - 40 ? "end" : "middle",
    });
    label.textContent = hexAddress(address);
    svg.append(label);
  }
}
