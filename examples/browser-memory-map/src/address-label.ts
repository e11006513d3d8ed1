import { formatAnnotation, formatBytes, type MappingInfo, protectionLetters } from "@osal/core";

/** An address as the page prints it: `0x` and at least 8 lowercase hex digits. */
export function hexAddress(address: number): string {
  return `0x${address.toString(16).padStart(8, "0")}`;
}

/** A mapping's range, `0x00120000–0x00320000` (start inclusive, end exclusive). */
export function rangeLabel(mapping: Pick<MappingInfo, "start" | "end">): string {
  return `${hexAddress(mapping.start)}–${hexAddress(mapping.end)}`;
}

/** One line about a mapping: range, `rw-` letters, size and annotation if any. */
export function describeMapping(mapping: MappingInfo): string {
  const annotation = mapping.annotation ? ` ${formatAnnotation(mapping.annotation)}` : "";
  return `${rangeLabel(mapping)} ${protectionLetters(mapping.prot)} ${formatBytes(mapping.end - mapping.start)}${annotation}`;
}
