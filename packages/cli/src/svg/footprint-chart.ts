import { formatBytes } from "@osal/core";
import { element, seriesColor, svgDocument, text, tooltip } from "./svg-document.js";
import { byteTicks, niceTicks } from "./ticks.js";

/** One line of a footprint chart: a runner's footprint samples over the run. */
export interface FootprintSeries {
  /** Legend label (backend or peer name). */
  readonly label: string;
  /**
   * `[step, footprint bytes]` points in step order. A single point is drawn as a
   * marker: a run that reports only its peak (a guest) is shown where it peaked.
   */
  readonly points: readonly (readonly [number, number])[];
  /** A second legend line under the label, e.g. `failed at step 12, ENOMEM`. */
  readonly note?: string;
}

/** What a footprint chart shows. */
export interface FootprintChart {
  /** Chart title, e.g. `zend: host footprint over 2000 steps (seed 1)`. */
  readonly title: string;
  /** One line per backend or peer. */
  readonly series: readonly FootprintSeries[];
  /** Live bytes of the workload over the run, drawn dashed as the reference a backend without waste would follow. */
  readonly live?: FootprintSeries;
}

const WIDTH = 1000;
const HEIGHT = 460;
const LEFT = 90;
const RIGHT = 330;
const TOP = 50;
const BOTTOM = 60;
/** Peaks further apart than this switch the byte axis to a log scale. */
export const LOG_SCALE_SPREAD = 16;

/**
 * Draws host footprint over workload steps as an SVG line chart: one coloured
 * line per series, the live-bytes reference dashed, labelled axes with round
 * ticks (steps below, bytes at the left) and a legend on the right. When the
 * series' peaks differ by more than {@link LOG_SCALE_SPREAD} times (a simulated
 * process's resident kilobytes next to a peer's gigabytes) the byte axis is
 * logarithmic, in powers of four, and says so; otherwise it is linear from 0.
 */
export function renderFootprintChart(chart: FootprintChart): string {
  const all = [...chart.series, ...(chart.live ? [chart.live] : [])];
  const maxStep = Math.max(1, ...all.flatMap((s) => s.points.map(([x]) => x)));
  const maxBytes = Math.max(1, ...all.flatMap((s) => s.points.map(([, y]) => y)));
  const log = useLogScale(chart.series);
  const xTicks = niceTicks(maxStep);
  const yTicks = log ? logByteTicks(all, maxBytes) : byteTicks(maxBytes);
  const xMax = xTicks[xTicks.length - 1]!;
  const yMin = yTicks[0]!;
  const yMax = yTicks[yTicks.length - 1]!;
  const plotW = WIDTH - LEFT - RIGHT;
  const plotH = HEIGHT - TOP - BOTTOM;
  const px = (step: number): number => LEFT + (step / xMax) * plotW;
  const py = log
    ? (bytes: number): number =>
        TOP + plotH - (Math.log2(Math.max(bytes, yMin) / yMin) / Math.log2(yMax / yMin)) * plotH
    : (bytes: number): number => TOP + plotH - (bytes / yMax) * plotH;

  const parts: string[] = [];
  parts.push(text(WIDTH / 2, 24, chart.title, { "text-anchor": "middle", "font-size": 15 }));
  for (const t of yTicks) {
    parts.push(
      element("line", { x1: LEFT, y1: py(t), x2: LEFT + plotW, y2: py(t), stroke: "#e5e5e5" }),
    );
    parts.push(text(LEFT - 8, py(t) + 4, formatBytes(t), { "text-anchor": "end" }));
  }
  for (const t of xTicks) {
    parts.push(
      element("line", {
        x1: px(t),
        y1: TOP + plotH,
        x2: px(t),
        y2: TOP + plotH + 5,
        stroke: "#333",
      }),
    );
    parts.push(text(px(t), TOP + plotH + 19, String(t), { "text-anchor": "middle" }));
  }
  parts.push(
    element("path", {
      d: `M${LEFT},${TOP}V${TOP + plotH}H${LEFT + plotW}`,
      fill: "none",
      stroke: "#333",
    }),
  );
  parts.push(text(LEFT + plotW / 2, HEIGHT - 14, "workload steps", { "text-anchor": "middle" }));
  parts.push(
    text(20, TOP + plotH / 2, log ? "host footprint (log scale)" : "host footprint", {
      "text-anchor": "middle",
      transform: `rotate(-90 20 ${TOP + plotH / 2})`,
    }),
  );

  const legendX = LEFT + plotW + 20;
  let legendY = TOP + 8;
  // Earlier lines are drawn wider, so lines that coincide show as nested stripes.
  const lines = chart.series.filter((series) => series.points.length > 1);
  const widthOf = (series: FootprintSeries): number =>
    2 + 1.5 * Math.max(0, lines.length - 1 - lines.indexOf(series));
  const drawSeries = (series: FootprintSeries, color: string, dashed: boolean): void => {
    const points = series.points.map(([x, y]) => `${round(px(x))},${round(py(y))}`).join(" ");
    const peak = Math.max(0, ...series.points.map(([, y]) => y));
    const label = `${series.label}${series.note ? ` (${series.note})` : ""}`;
    if (series.points.length === 1) {
      const [[x, y]] = series.points as [readonly [number, number]];
      parts.push(
        element(
          "circle",
          { cx: round(px(x)), cy: round(py(y)), r: 5, fill: color },
          tooltip(`${label}: ${formatBytes(peak)} at step ${x}`),
        ),
      );
    } else if (series.points.length > 1) {
      parts.push(
        element(
          "polyline",
          {
            points,
            fill: "none",
            stroke: color,
            "stroke-width": dashed ? 2 : widthOf(series),
            "stroke-linejoin": "round",
            "stroke-dasharray": dashed ? "6 4" : undefined,
          },
          tooltip(`${label}: peak ${formatBytes(peak)}`),
        ),
      );
    }
    const y = legendY;
    legendY += series.note ? 36 : 22;
    const single = series.points.length === 1;
    parts.push(
      single
        ? element("circle", { cx: legendX + 12, cy: y, r: 5, fill: color })
        : element("line", {
            x1: legendX,
            y1: y,
            x2: legendX + 24,
            y2: y,
            stroke: color,
            "stroke-width": 3,
            "stroke-dasharray": dashed ? "6 4" : undefined,
          }),
    );
    parts.push(text(legendX + 30, y + 4, series.label));
    if (series.note)
      parts.push(text(legendX + 30, y + 18, series.note, { fill: "#666", "font-size": 11 }));
  };
  chart.series.forEach((series, i) => {
    drawSeries(series, seriesColor(i), false);
  });
  if (chart.live) drawSeries(chart.live, "#555555", true);

  return svgDocument(WIDTH, Math.max(HEIGHT, legendY + 10), chart.title, parts.join("\n"));
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/** True when the series' non-zero peaks are more than {@link LOG_SCALE_SPREAD} times apart. */
function useLogScale(series: readonly FootprintSeries[]): boolean {
  const peaks = series
    .map((s) => Math.max(0, ...s.points.map(([, y]) => y)))
    .filter((peak) => peak > 0);
  if (peaks.length < 2) return false;
  return Math.max(...peaks) / Math.min(...peaks) > LOG_SCALE_SPREAD;
}

/** Powers of four from at or below the smallest non-zero value to at or above `max`. */
function logByteTicks(series: readonly FootprintSeries[], max: number): number[] {
  const values = series.flatMap((s) => s.points.map(([, y]) => y)).filter((y) => y > 0);
  const min = Math.max(1, Math.min(...values));
  let tick = 4 ** Math.floor(Math.log2(min) / 2);
  const ticks = [tick];
  while (tick < max) {
    tick *= 4;
    ticks.push(tick);
  }
  return ticks;
}
