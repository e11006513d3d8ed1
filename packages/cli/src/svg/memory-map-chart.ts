import { formatBytes, MmapProtection } from "@osal/core";
import type { MapSpan, MemoryMap, SpanState } from "../memory-map/memory-map.js";
import { element, seriesColor, svgDocument, text, tooltip } from "./svg-document.js";

const COLUMNS = 64;
const CELL = 12;
const LEFT = 110;
const TOP = 62;
/** Most cells drawn for the non-gap part of a map; sets the bytes per cell. */
const MAX_CELLS = 64 * 48;
/** Runs of unmapped cells at least this long are drawn as one gap cell. */
const GAP_CELLS = 8;

const stateColors: Readonly<Record<Exclude<SpanState, "mapped">, string>> = {
  "free-zeroed": "#cdebc5",
  "free-dirty": "#f6b26b",
  free: "#e3e3e3",
  external: "#4d4d4d",
  unmapped: "#ffffff",
};

const stateLabels: Readonly<Record<Exclude<SpanState, "mapped">, string>> = {
  "free-zeroed": "free, zeroed",
  "free-dirty": "free, dirty",
  free: "free",
  external: "external (not this backend's)",
  unmapped: "unmapped",
};

/** One drawn cell: what it shows and the bytes it stands for. */
interface Cell {
  readonly start: number;
  readonly bytes: number;
  readonly key: string;
  readonly gap: boolean;
}

/**
 * Draws a memory map as an SVG grid: each cell is a fixed power-of-two number of
 * bytes (at least a page) coloured by what most of its bytes are — a mapping (one
 * colour per annotation, paler when `NoAccess`), free-zeroed, free-dirty, free,
 * external — with long unmapped stretches folded into one hatched gap cell. Rows
 * are labelled with their first address; a legend lists states and annotations.
 */
export function renderMemoryMapChart(map: MemoryMap): string {
  const interesting = map.spans
    .filter((s) => s.state !== "unmapped")
    .reduce((sum, s) => sum + (s.end - s.start), 0);
  let cellBytes = map.pageSize;
  while (interesting / cellBytes > MAX_CELLS) cellBytes *= 2;
  const cells = layoutCells(map, cellBytes);

  // Colours by sorted annotation, so one workload's maps agree across backends.
  const annotations = [
    ...new Set(map.spans.filter((s) => s.state === "mapped").map((s) => s.annotation ?? "")),
  ].sort();
  const annotationColors = new Map(annotations.map((a, i) => [a, seriesColor(i)] as const));

  const rows = Math.max(1, Math.ceil(cells.length / COLUMNS));
  const gridBottom = TOP + rows * CELL;
  const legend = legendEntries(map, annotationColors);
  const width = LEFT + COLUMNS * CELL + 20;
  const height = gridBottom + 30 + Math.ceil(legend.length / 2) * 20 + 10;

  const parts: string[] = [];
  parts.push(
    element(
      "defs",
      {},
      element(
        "pattern",
        { id: "gap", width: 4, height: 4, patternUnits: "userSpaceOnUse" },
        element("path", { d: "M0,4L4,0", stroke: "#999", "stroke-width": 1 }),
      ),
    ),
  );
  const title = `${map.backend}: ${map.caption}`;
  parts.push(text(10, 22, title, { "font-size": 15 }));
  parts.push(
    text(
      10,
      42,
      `0x${map.start.toString(16)}–0x${map.end.toString(16)} (${formatBytes(map.end - map.start)}); page ${formatBytes(map.pageSize)}; one cell = ${formatBytes(cellBytes)}${map.zeroStateKnown ? "" : "; free pages' zero state not reported by this backend"}`,
      { fill: "#555" },
    ),
  );
  cells.forEach((cell, i) => {
    const col = i % COLUMNS;
    const row = Math.floor(i / COLUMNS);
    if (col === 0) {
      parts.push(
        text(LEFT - 6, TOP + row * CELL + CELL - 2, `0x${cell.start.toString(16)}`, {
          "text-anchor": "end",
          "font-size": 10,
          "font-family": "monospace",
        }),
      );
    }
    const { fill, opacity } = cellPaint(cell, annotationColors);
    parts.push(
      element(
        "rect",
        {
          x: LEFT + col * CELL,
          y: TOP + row * CELL,
          width: CELL - 1,
          height: CELL - 1,
          fill,
          "fill-opacity": opacity,
          stroke: cell.key === "unmapped" || cell.gap ? "#cccccc" : undefined,
          "stroke-width": cell.key === "unmapped" || cell.gap ? 0.5 : undefined,
        },
        tooltip(describeCell(cell)),
      ),
    );
  });

  legend.forEach((entry, i) => {
    const x = 10 + (i % 2) * ((width - 20) / 2);
    const y = gridBottom + 24 + Math.floor(i / 2) * 20;
    parts.push(
      element("rect", {
        x,
        y: y - 10,
        width: 12,
        height: 12,
        fill: entry.fill,
        "fill-opacity": entry.opacity,
        stroke: "#999",
        "stroke-width": 0.5,
      }),
    );
    parts.push(text(x + 18, y, entry.label));
  });

  return svgDocument(width, height, title, parts.join("\n"));
}

/** The key a span is drawn by: its state, or for mappings `mapped|prot|annotation`. */
function keyOf(span: MapSpan): string {
  return span.state === "mapped" ? `mapped|${span.prot}|${span.annotation ?? ""}` : span.state;
}

/**
 * Cuts the map into cells of `cellBytes` aligned to `map.start`. A cell wholly
 * inside one span takes its key; a cell shared by spans takes the key with most
 * bytes. Works on runs of cells, so a sparse map (terabytes of unmapped space)
 * costs no more than its spans; unmapped runs of {@link GAP_CELLS} or more become
 * one gap cell.
 */
function layoutCells(map: MemoryMap, cellBytes: number): Cell[] {
  const runs: { first: number; count: number; key: string }[] = [];
  const partial = new Map<number, Map<string, number>>();
  const addPartial = (cell: number, key: string, bytes: number): void => {
    let shares = partial.get(cell);
    if (!shares) {
      shares = new Map();
      partial.set(cell, shares);
    }
    shares.set(key, (shares.get(key) ?? 0) + bytes);
  };
  for (const span of map.spans) {
    const a = span.start - map.start;
    const b = span.end - map.start;
    const key = keyOf(span);
    const firstFull = Math.ceil(a / cellBytes);
    const endFull = Math.floor(b / cellBytes);
    if (firstFull > endFull) {
      addPartial(Math.floor(a / cellBytes), key, b - a);
      continue;
    }
    if (a < firstFull * cellBytes) addPartial(firstFull - 1, key, firstFull * cellBytes - a);
    if (endFull > firstFull) runs.push({ first: firstFull, count: endFull - firstFull, key });
    if (b > endFull * cellBytes) addPartial(endFull, key, b - endFull * cellBytes);
  }
  for (const [cell, shares] of partial) {
    let best = "";
    let bestBytes = -1;
    for (const [key, bytes] of shares) {
      if (bytes > bestBytes || (bytes === bestBytes && key.startsWith("mapped"))) {
        best = key;
        bestBytes = bytes;
      }
    }
    runs.push({ first: cell, count: 1, key: best });
  }
  runs.sort((x, y) => x.first - y.first);

  const merged: { first: number; count: number; key: string }[] = [];
  for (const run of runs) {
    const last = merged[merged.length - 1];
    if (last && last.key === run.key && last.first + last.count === run.first)
      last.count += run.count;
    else merged.push({ ...run });
  }

  const cells: Cell[] = [];
  for (const run of merged) {
    const start = map.start + run.first * cellBytes;
    if (run.key === "unmapped" && run.count >= GAP_CELLS) {
      cells.push({ start, bytes: run.count * cellBytes, key: run.key, gap: true });
      continue;
    }
    for (let i = 0; i < run.count; i++) {
      cells.push({ start: start + i * cellBytes, bytes: cellBytes, key: run.key, gap: false });
    }
  }
  return cells;
}

function cellPaint(
  cell: Cell,
  annotationColors: ReadonlyMap<string, string>,
): { fill: string; opacity: number | undefined } {
  if (cell.gap) return { fill: "url(#gap)", opacity: undefined };
  if (cell.key.startsWith("mapped|")) {
    const [, prot, ...annotation] = cell.key.split("|");
    const fill = annotationColors.get(annotation.join("|")) ?? "#000000";
    return { fill, opacity: prot === MmapProtection.NoAccess ? 0.3 : undefined };
  }
  return { fill: stateColors[cell.key as Exclude<SpanState, "mapped">], opacity: undefined };
}

function describeCell(cell: Cell): string {
  const where = `0x${cell.start.toString(16)}+${formatBytes(cell.bytes)}`;
  if (cell.gap) return `${where}: unmapped gap of ${formatBytes(cell.bytes)}`;
  if (cell.key.startsWith("mapped|")) {
    const [, prot, ...annotation] = cell.key.split("|");
    return `${where}: mapped ${prot} ${annotation.join("|") || "(no annotation)"}`;
  }
  return `${where}: ${stateLabels[cell.key as Exclude<SpanState, "mapped">]}`;
}

function legendEntries(
  map: MemoryMap,
  annotationColors: ReadonlyMap<string, string>,
): { fill: string; opacity: number | undefined; label: string }[] {
  const entries: { fill: string; opacity: number | undefined; label: string }[] = [];
  for (const [annotation, color] of annotationColors) {
    entries.push({
      fill: color,
      opacity: undefined,
      label: `mapped: ${annotation || "(no annotation)"}`,
    });
  }
  if (map.spans.some((s) => s.state === "mapped" && s.prot === MmapProtection.NoAccess)) {
    entries.push({ fill: "#888888", opacity: 0.3, label: "paler: mapped NoAccess (reserved)" });
  }
  const present = new Set(map.spans.map((s) => s.state));
  for (const state of Object.keys(stateColors) as Exclude<SpanState, "mapped">[]) {
    if (!present.has(state)) continue;
    // With a page-state query, "free" pages are the ones the backend has not claimed yet.
    const label =
      state === "free" && map.zeroStateKnown
        ? "free, not claimed by the backend yet"
        : stateLabels[state];
    entries.push({ fill: stateColors[state], opacity: undefined, label });
  }
  if (present.has("unmapped"))
    entries.push({ fill: "url(#gap)", opacity: undefined, label: "unmapped gap (folded)" });
  return entries;
}
