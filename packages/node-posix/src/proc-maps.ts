import { openSync, readFileSync } from "node:fs";
import { type Libc, Linux } from "./libc.js";

/** One VMA of this process as the kernel reports it. */
export interface KernelVma {
  readonly start: number;
  readonly end: number;
  /** The three access letters, such as `rw-`. */
  readonly access: string;
}

/** Size of `struct procmap_query` (linux/fs.h). */
const QUERY_SIZE = 104;

/**
 * Reads this process's VMAs from the kernel. Where `PROCMAP_QUERY` works (Linux
 * 6.11+) it asks for the VMAs of a range one `ioctl` each, which costs a few
 * microseconds instead of the whole `/proc/self/maps` text; elsewhere it parses
 * that text. Both give the same answer (the package's tests compare them). The
 * `/proc/self/maps` descriptor stays open for the life of the process.
 */
export class ProcMaps {
  private readonly query = new Uint8Array(QUERY_SIZE);
  private readonly fields = new DataView(this.query.buffer);
  private readonly fd: number | undefined;

  constructor(
    private readonly libc: Libc,
    preferIoctl = true,
  ) {
    if (preferIoctl) {
      const fd = openSync("/proc/self/maps", "r");
      this.fd = this.ask(fd, 0) === undefined ? undefined : fd;
    }
  }

  /** True when VMAs are read with `PROCMAP_QUERY` rather than by parsing the text. */
  get usesIoctl(): boolean {
    return this.fd !== undefined;
  }

  /** The VMAs sharing a byte with `[low, high)`, in address order, clipped to it unless `clip` is false. */
  vmas(low: number, high: number, clip = true): KernelVma[] {
    if (this.fd === undefined) return viaText(low, high, clip);
    const out: KernelVma[] = [];
    let cursor = low;
    while (cursor < high) {
      const vma = this.ask(this.fd, cursor);
      if (!vma || vma.start >= high) break;
      out.push(
        clip ? { ...vma, start: Math.max(vma.start, low), end: Math.min(vma.end, high) } : vma,
      );
      cursor = vma.end;
    }
    return out;
  }

  /** The VMA holding `address`, whole (not clipped), or `undefined` when nothing is mapped there. */
  vmaAt(address: number): KernelVma | undefined {
    if (this.fd === undefined) {
      return viaText(address, address + 1, false).find((vma) => vma.start <= address);
    }
    const vma = this.ask(this.fd, address);
    return vma && vma.start <= address ? vma : undefined;
  }

  /** The VMA covering `address` or the next one after it; `undefined` when there is none or the query failed. */
  private ask(fd: number, address: number): KernelVma | undefined {
    this.query.fill(0);
    this.fields.setBigUint64(0, BigInt(QUERY_SIZE), true);
    this.fields.setBigUint64(8, BigInt(Linux.PROCMAP_QUERY_COVERING_OR_NEXT_VMA), true);
    this.fields.setBigUint64(16, BigInt(address), true);
    if (this.libc.ioctl(fd, Linux.PROCMAP_QUERY, this.query) !== 0) return undefined;
    const flags = Number(this.fields.getBigUint64(40, true));
    return {
      start: Number(this.fields.getBigUint64(24, true)),
      end: Number(this.fields.getBigUint64(32, true)),
      access: `${flags & 1 ? "r" : "-"}${flags & 2 ? "w" : "-"}${flags & 4 ? "x" : "-"}`,
    };
  }
}

let shared: ProcMaps | undefined;

/** The process-wide {@link ProcMaps}. */
export function procMaps(libc: Libc): ProcMaps {
  shared ??= new ProcMaps(libc);
  return shared;
}

const LINE = /^([0-9a-f]+)-([0-9a-f]+) (\S{3})/;

/** The VMAs sharing a byte with `[low, high)` from the text of `/proc/self/maps`. */
export function viaText(low: number, high: number, clip = true): KernelVma[] {
  const out: KernelVma[] = [];
  for (const raw of readFileSync("/proc/self/maps", "latin1").split("\n")) {
    const match = LINE.exec(raw);
    if (!match) continue;
    const start = Number.parseInt(match[1]!, 16);
    const end = Number.parseInt(match[2]!, 16);
    if (end <= low || start >= high) continue;
    out.push(
      clip
        ? { start: Math.max(start, low), end: Math.min(end, high), access: match[3]! }
        : { start, end, access: match[3]! },
    );
  }
  return out;
}
