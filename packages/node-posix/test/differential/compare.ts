import {
  HugePageSupport,
  MemoryFault,
  MmapAnnotation,
  MmapError,
  MmapProtection,
  MmapStrategy,
  type OperatingSystem,
  parseProcMaps,
} from "@osal/core";
import type { Op } from "./ops.js";

/** The shared region: where both backends map, in absolute addresses. */
export interface Region {
  readonly start: number;
  readonly end: number;
  readonly pageSize: number;
  /**
   * Whether operations annotate their mappings. Only where the kernel names
   * VMAs (`CONFIG_ANON_VMA_NAME`): without names it merges differently
   * annotated neighbours that mock-unix (like a naming kernel) keeps apart.
   */
  readonly labels: boolean;
}

/** What mock-unix maps beyond the region so it, like node-posix, has nowhere else to go. */
export const BEYOND_NAME = "beyond-arena";

/** The annotation of that mapping. */
export const BEYOND = MmapAnnotation.misc(BEYOND_NAME);

const PROTS = [
  MmapProtection.ReadWrite,
  MmapProtection.ReadWrite,
  MmapProtection.ReadWriteExec,
  MmapProtection.NoAccess,
] as const;

const LABELS = [undefined, MmapAnnotation.space("immix"), MmapAnnotation.misc("code")] as const;

function label(region: Region, index: number): MmapAnnotation | undefined {
  return region.labels ? LABELS[index] : undefined;
}

/** `address` as an offset from the region start, for messages that read the same on every run. */
export function rel(region: Region, address: number): string {
  const offset = address - region.start;
  return offset < 0 ? `-0x${(-offset).toString(16)}` : `+0x${offset.toString(16)}`;
}

/** The call `op` makes, in words, with region-relative addresses. */
export function describeOp(region: Region, op: Op): string {
  const p = region.pageSize;
  const at = (page: number) => rel(region, region.start + page * p);
  switch (op.kind) {
    case "map":
      return `dzmmap(${at(op.page)}, ${op.pages}p, ${PROTS[op.prot]}, reserve=${op.reserve}${op.huge ? ", THP" : ""}, ${op.replace ? "MAP_FIXED" : "NOREPLACE"}, label=${op.label})`;
    case "anywhere":
      return `dzmmapAnywhere(${op.pages}p, align=${2 ** op.alignLog}p, ${PROTS[op.prot]}, reserve=${op.reserve}${op.huge ? ", THP" : ""}, label=${op.label})`;
    case "preferred":
      return `dzmmapPreferred(${at(op.page)}, ${op.pages}p, align=${2 ** op.alignLog}p, label=${op.label})`;
    case "munmap":
      return `munmap(${at(op.page)}, ${op.pages}p)`;
    case "mremap":
      return `mremap(${at(op.page)}, ${op.pages}p -> ${op.newPages}p, mayMove=${op.mayMove})`;
    case "mprotect":
      return `setMemoryAccess(${at(op.page)}, ${op.pages}p, ${PROTS[op.prot]})`;
    case "madvise":
      return `madvise(${at(op.page)}, ${op.pages}p, ${op.advice})`;
    case "panic":
      return `panicIfUnmapped(${at(op.page)}, ${op.pages}p)`;
    default: {
      const { address, length } = accessRange(region, op);
      return `${op.kind}(${rel(region, address)}, ${length}${op.kind === "fill" ? `, ${op.seed % 256}` : ""})`;
    }
  }
}

function accessRange(
  region: Region,
  op: Extract<Op, { kind: "write" | "fill" | "read" }>,
): { address: number; length: number } {
  const address = Math.max(0, region.start + op.page * region.pageSize + op.delta);
  const limit = region.end - 1;
  const clipped = Math.min(address, limit);
  return { address: clipped, length: Math.max(1, Math.min(op.length, region.end - clipped)) };
}

function bytesOf(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i++) bytes[i] = ((i * 131 + seed * 71) % 255) + 1;
  return bytes;
}

/**
 * `op` with its page moved onto one of `reference`'s current mappings in the
 * region, two times in three (chosen by `op.aim`), its page count then mostly
 * cut to the rest of that mapping, always to the region: the concrete call
 * both backends get.
 */
export function resolve(region: Region, reference: OperatingSystem, op: Op): Op {
  if (!("aim" in op)) return op;
  const p = region.pageSize;
  const regionPages = (region.end - region.start) / p;
  let page = op.page;
  let room = regionPages - page;
  const mappings = reference
    .getMappings()
    .filter((m) => m.start >= region.start && m.end <= region.end);
  if (op.aim % 3 !== 0 && mappings.length > 0) {
    const target = mappings[op.aim % mappings.length]!;
    const pages = (target.end - target.start) / p;
    page = (target.start - region.start) / p + (Math.floor(op.aim / 7) % pages);
    // Mostly stay inside the mapping; sometimes run past its end.
    room = op.aim % 5 === 0 ? regionPages - page : (target.end - region.start) / p - page;
  }
  if (!("pages" in op)) return { ...op, page };
  return { ...op, page, pages: Math.max(1, Math.min(op.pages, room)) };
}

/** Runs `op` on `os` and says what came of it: `ok`, `ok <address>`, or the error's class and code. */
export function apply(region: Region, os: OperatingSystem, op: Op): string {
  const p = region.pageSize;
  const abs = (page: number) => region.start + page * p;
  try {
    switch (op.kind) {
      case "map": {
        const strategy = MmapStrategy.DEFAULT.withProt(PROTS[op.prot]!)
          .withReserve(op.reserve)
          .withHugePage(op.huge ? HugePageSupport.TransparentHugePages : HugePageSupport.No)
          .withReplace(op.replace);
        os.dzmmap(abs(op.page), op.pages * p, strategy, label(region, op.label));
        return "ok";
      }
      case "anywhere": {
        const strategy = MmapStrategy.DEFAULT.withProt(PROTS[op.prot]!)
          .withReserve(op.reserve)
          .withHugePage(op.huge ? HugePageSupport.TransparentHugePages : HugePageSupport.No);
        return `ok ${rel(region, os.dzmmapAnywhere(op.pages * p, 2 ** op.alignLog * p, strategy, label(region, op.label)))}`;
      }
      case "preferred": {
        const start = os.dzmmapPreferred(
          abs(op.page),
          op.pages * p,
          2 ** op.alignLog * p,
          MmapStrategy.DEFAULT,
          label(region, op.label),
        );
        return `ok ${rel(region, start)}`;
      }
      case "munmap":
        os.munmap(abs(op.page), op.pages * p);
        return "ok";
      case "mremap": {
        const start = os.mremap(abs(op.page), op.pages * p, op.newPages * p, {
          mayMove: op.mayMove,
        });
        return `ok ${rel(region, start)}`;
      }
      case "mprotect":
        os.setMemoryAccess(abs(op.page), op.pages * p, PROTS[op.prot]!);
        return "ok";
      case "madvise":
        os.madvise(abs(op.page), op.pages * p, op.advice);
        return "ok";
      case "panic":
        os.panicIfUnmapped(abs(op.page), op.pages * p);
        return "ok";
      case "write": {
        const { address, length } = accessRange(region, op);
        os.write(address, bytesOf(length, op.seed));
        return "ok";
      }
      case "fill": {
        const { address, length } = accessRange(region, op);
        os.fill(address, length, op.seed % 256);
        return "ok";
      }
      case "read": {
        const { address, length } = accessRange(region, op);
        return `ok ${Buffer.from(os.read(address, length)).toString("base64")}`;
      }
    }
  } catch (error) {
    if (error instanceof MemoryFault) {
      return `MemoryFault ${error.reason} at ${rel(region, error.faultAddress)}`;
    }
    if (error instanceof MmapError) return `MmapError ${error.code}`;
    throw error;
  }
}

/** The region's VMAs as `getProcessMemoryMaps()` lists them, clipped to the region, relative. */
export function layout(region: Region, os: OperatingSystem): string[] {
  const out: string[] = [];
  for (const line of parseProcMaps(os.getProcessMemoryMaps())) {
    if (line.end <= region.start || line.start >= region.end) continue;
    if (line.name === `[anon:misc:${BEYOND_NAME}]`) continue;
    const start = Math.max(line.start, region.start);
    const end = Math.min(line.end, region.end);
    out.push(`${rel(region, start)}-${rel(region, end)} ${line.perms} ${line.name}`);
  }
  return out;
}

function isBeyond(annotation: MmapAnnotation | undefined): boolean {
  return annotation?.kind === "misc" && annotation.name === BEYOND_NAME;
}

/** The region's mappings with every attribute `getMappings()` reports, relative. */
export function attributes(region: Region, os: OperatingSystem): string[] {
  return os
    .getMappings()
    .filter((m) => m.end > region.start && m.start < region.end && !isBeyond(m.annotation))
    .map(
      (m) =>
        `${rel(region, Math.max(m.start, region.start))}-${rel(region, Math.min(m.end, region.end))} ${m.prot} reserve=${m.reserve} ${m.hugePage}`,
    );
}

/** The first difference between the accessible bytes of the two backends in the region, if any. */
export function byteDifference(
  region: Region,
  reference: OperatingSystem,
  real: OperatingSystem,
): string | undefined {
  for (const m of reference.getMappings()) {
    if (m.prot === MmapProtection.NoAccess) continue;
    const start = Math.max(m.start, region.start);
    const end = Math.min(m.end, region.end);
    if (end <= start) continue;
    let a: Buffer;
    try {
      a = Buffer.from(reference.read(start, end - start));
    } catch (error) {
      return `mock-unix cannot read ${rel(region, start)}-${rel(region, end)}: ${String(error)}`;
    }
    const b = Buffer.from(real.read(start, end - start));
    if (a.equals(b)) continue;
    let i = 0;
    while (a[i] === b[i]) i++;
    return `byte at ${rel(region, start + i)}: mock-unix ${a[i]}, node-posix ${b[i]}`;
  }
  return undefined;
}
