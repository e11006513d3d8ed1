const SVG_NS = "http://www.w3.org/2000/svg";

/** Creates an SVG element with the given attributes and, when given, a `<title>` tooltip. */
export function svgElement<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Readonly<Record<string, string | number>>,
  title?: string,
): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (title !== undefined) {
    const tooltip = document.createElementNS(SVG_NS, "title");
    tooltip.textContent = title;
    element.append(tooltip);
  }
  return element;
}
