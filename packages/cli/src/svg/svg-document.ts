/**
 * Minimal SVG writing: escaping, elements and the document wrapper. Charts are
 * plain strings built from these, so output is deterministic and needs no
 * dependency.
 */

/** Attribute values of an element; `undefined` leaves the attribute out. */
export type SvgAttributes = Readonly<Record<string, string | number | undefined>>;

/** `text` with the five XML special characters replaced by entities, safe in text and attributes. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}

/**
 * One element: `<name a="1">children</name>`, or self-closed when `children` is
 * omitted. Attribute values are escaped; `children` must already be markup (use
 * {@link text} for strings). Numbers are written with at most two decimals.
 */
export function element(name: string, attributes: SvgAttributes, children?: string): string {
  let out = `<${name}`;
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined) continue;
    out += ` ${key}="${escapeXml(typeof value === "number" ? formatNumber(value) : value)}"`;
  }
  return children === undefined ? `${out}/>` : `${out}>${children}</${name}>`;
}

/** A `<text>` element holding escaped `content`. */
export function text(
  x: number,
  y: number,
  content: string,
  attributes: SvgAttributes = {},
): string {
  return element("text", { x, y, ...attributes }, escapeXml(content));
}

/** A `<title>` child: the tooltip browsers show on hover. */
export function tooltip(content: string): string {
  return element("title", {}, escapeXml(content));
}

/** A complete standalone SVG document of the given size, with an accessible title. */
export function svgDocument(width: number, height: number, title: string, body: string): string {
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" ` +
    `viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12" role="img">\n` +
    `${tooltip(title)}\n` +
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>\n` +
    `${body}\n</svg>\n`
  );
}

/** `value` with at most two decimals and no trailing zeros (`12`, `3.5`, `0.25`). */
export function formatNumber(value: number): string {
  return String(Math.round(value * 100) / 100);
}

/** Distinct line and fill colours, in the order series are given them. */
export const palette: readonly string[] = [
  "#1f77b4",
  "#d62728",
  "#2ca02c",
  "#9467bd",
  "#ff7f0e",
  "#17becf",
  "#8c564b",
  "#e377c2",
  "#bcbd22",
  "#7f7f7f",
  "#393b79",
  "#637939",
  "#8c6d31",
  "#843c39",
  "#7b4173",
  "#3182bd",
];

/** The palette colour for the `index`-th series (wrapping around). */
export function seriesColor(index: number): string {
  return palette[index % palette.length]!;
}
