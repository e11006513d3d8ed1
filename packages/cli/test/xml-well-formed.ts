/**
 * A small XML well-formedness check for the SVG files the CLI writes: one root
 * element, tags balanced and properly nested, attributes quoted and unique, and
 * `<`/`&` only where XML allows them. Returns the problems found (empty: well-formed)
 * and the root element's name.
 */
export function checkWellFormedXml(xml: string): { problems: string[]; root: string | undefined } {
  const problems: string[] = [];
  const stack: string[] = [];
  let root: string | undefined;
  let rootClosed = false;
  const entity = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
  const checkText = (text: string, where: string): void => {
    if (text.includes("<")) problems.push(`raw < in ${where}`);
    if (text.replace(entity, "").includes("&")) problems.push(`raw & in ${where}`);
  };
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<\/?[^>]*>|[^<]+/g;
  let first = true;
  for (const match of xml.matchAll(token)) {
    const t = match[0];
    if (t.startsWith("<?")) {
      if (!first && t.startsWith("<?xml")) problems.push("XML declaration not at the start");
    } else if (t.startsWith("<!--")) {
      // comment: nothing to check
    } else if (t.startsWith("</")) {
      const name = /^<\/([A-Za-z_][\w:.-]*)\s*>$/.exec(t)?.[1];
      if (name === undefined) problems.push(`bad end tag ${t}`);
      else if (stack.pop() !== name) problems.push(`mismatched end tag ${t}`);
      if (stack.length === 0) rootClosed = true;
    } else if (t.startsWith("<")) {
      const m = /^<([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*"[^"]*")*)\s*(\/?)>$/.exec(t);
      if (m === null) {
        problems.push(`bad start tag ${t.slice(0, 80)}`);
        continue;
      }
      const [, name, attributes, selfClosing] = m;
      const seen = new Set<string>();
      for (const a of attributes!.matchAll(/([A-Za-z_][\w:.-]*)\s*=\s*"([^"]*)"/g)) {
        if (seen.has(a[1]!)) problems.push(`duplicate attribute ${a[1]} in <${name}>`);
        seen.add(a[1]!);
        checkText(a[2]!, `attribute ${a[1]} of <${name}>`);
      }
      if (stack.length === 0) {
        if (root !== undefined) problems.push(`second root element <${name}>`);
        root = name;
      }
      if (selfClosing === "/") {
        if (stack.length === 0) rootClosed = true;
      } else {
        stack.push(name!);
      }
    } else {
      if (stack.length === 0 && t.trim() !== "") problems.push("text outside the root element");
      checkText(t, "text");
    }
    first = false;
  }
  if (stack.length > 0) problems.push(`unclosed <${stack.join("> <")}>`);
  if (!rootClosed) problems.push("no complete root element");
  return { problems, root };
}
