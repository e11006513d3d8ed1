import { formatAnnotation, type MmapAnnotation } from "./annotation.js";
import { type MmapProtection, protectionLetters } from "./protection.js";

/** One line of a `/proc/self/maps` listing. */
export interface MapsLine {
  readonly start: number;
  readonly end: number;
  readonly prot: MmapProtection;
  /** Shown as `[anon:<annotation>]`. */
  readonly annotation?: MmapAnnotation | undefined;
  /** Shown instead of an annotation, e.g. `[heap]` for memory another allocator owns. */
  readonly name?: string;
}

/** The column where Linux starts the path/name field of a maps line. */
const NAME_COLUMN = 73;

/**
 * Formats mappings the way Linux prints `/proc/self/maps` for private anonymous
 * memory: `start-end perms offset dev inode name`, addresses in lowercase hex of at
 * least 8 digits, the name padded to column 73, annotations as `[anon:…]` (what
 * Linux shows for `PR_SET_VMA_ANON_NAME`). One line per entry, each ending in `\n`.
 */
export function formatProcMaps(lines: readonly MapsLine[]): string {
  let out = "";
  for (const line of lines) {
    const head = `${hex8(line.start)}-${hex8(line.end)} ${protectionLetters(line.prot)}p 00000000 00:00 0`;
    const name =
      line.name ?? (line.annotation ? `[anon:${formatAnnotation(line.annotation)}]` : undefined);
    out += name ? `${head.padEnd(NAME_COLUMN - 1)} ${name}\n` : `${head}\n`;
  }
  return out;
}

/** A parsed `/proc/self/maps` line (the fields osal cares about). */
export interface ParsedMapsLine {
  readonly start: number;
  readonly end: number;
  readonly perms: string;
  readonly name: string;
}

/** Parses `/proc/self/maps` text (from osal or from Linux) into its lines. */
export function parseProcMaps(text: string): ParsedMapsLine[] {
  const out: ParsedMapsLine[] = [];
  for (const raw of text.split("\n")) {
    const match = /^([0-9a-f]+)-([0-9a-f]+)\s+(\S{4})\s+\S+\s+\S+\s+\S+\s*(.*)$/.exec(raw);
    if (!match) continue;
    out.push({
      start: Number.parseInt(match[1]!, 16),
      end: Number.parseInt(match[2]!, 16),
      perms: match[3]!,
      name: match[4]!.trim(),
    });
  }
  return out;
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, "0");
}
