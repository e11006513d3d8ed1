import { hex, protectionLetters } from "@osal/core";
import type { Libc } from "./libc.js";
import type { MappingTable, TableEntry } from "./mapping-table.js";
import { procMaps } from "./proc-maps.js";

/**
 * What node-posix reads back from the kernel about its arena, next to its
 * `MappingTable`: the listing (the kernel's VMAs split where the table's
 * attributes change) and the `anon_vma` each VMA got, which decides later
 * merges and `VM_ACCOUNT` (see Note [The real kernel, fenced in]).
 */
export class KernelView {
  constructor(
    private readonly libc: Libc,
    private readonly table: MappingTable,
    private readonly low: number,
    private readonly high: number,
    private readonly pageSize: number,
  ) {}

  /** The end of the kernel VMA holding `address`, or `address` when none does. */
  vmaEndAt(address: number): number {
    return procMaps(this.libc).vmaAt(address)?.end ?? address;
  }

  /** The kernel VMA holding `address`, if any. */
  vmaAt(address: number): { readonly start: number; readonly end: number } | undefined {
    return procMaps(this.libc).vmaAt(address);
  }

  /**
   * The arena's user VMAs from `/proc/self/maps`, split where the table's
   * attributes change. A VMA the table disagrees with is an internal error.
   */
  listing(): TableEntry[] {
    const out: TableEntry[] = [];
    for (const vma of procMaps(this.libc).vmas(this.low, this.high)) {
      const parts = this.table.overlapping(vma.start, vma.end);
      if (parts.length === 0) continue;
      let cursor = vma.start;
      for (const part of parts) {
        const start = Math.max(part.start, vma.start);
        const end = Math.min(part.end, vma.end);
        if (start !== cursor || vma.access !== protectionLetters(part.prot)) {
          throw new Error(
            `node-posix internal error: the kernel lists ${hex(vma.start)}-${hex(vma.end)} ${vma.access}, ` +
              `the arena table has ${hex(part.start)}-${hex(part.end)} ${part.prot}`,
          );
        }
        out.push({ ...part, start, end });
        cursor = end;
      }
      if (cursor !== vma.end) {
        throw new Error(
          `node-posix internal error: the kernel VMA ${hex(vma.start)}-${hex(vma.end)} is only partly a user mapping`,
        );
      }
    }
    return out;
  }

  /**
   * A kernel VMA has one `anon_vma` for all of it: after a call on `[start, end)`
   * that may have merged VMAs there (or with its neighbours), every table run in
   * such a VMA where one run had it has it.
   */
  syncAnonVmas(start: number, end: number): void {
    const low = Math.max(this.low, start - this.pageSize);
    const high = Math.min(this.high, end + this.pageSize);
    for (const vma of procMaps(this.libc).vmas(low, high, false)) {
      const vmaStart = Math.max(vma.start, this.low);
      const vmaEnd = Math.min(vma.end, this.high);
      const parts = this.table.overlapping(vmaStart, vmaEnd);
      if (parts.some((part) => part.anonVma) && !parts.every((part) => part.anonVma)) {
        this.table.update(vmaStart, vmaEnd, (part) => ({ ...part, anonVma: true }));
      }
    }
  }

  /**
   * Linux maps the copy of a moving VMA before it unmaps the old range, so a copy
   * placed right next to its own source VMA merges with it. An unwritten VMA's
   * offset is always linear with its address (only a written VMA keeps an old
   * offset when moved), so the merge happens whenever they touch; if the copy
   * also merged with a written neighbour, what is left of the source now shares
   * that neighbour's `anon_vma`.
   */
  noteSelfMerge(
    source: { readonly start: number; readonly end: number },
    start: number,
    oldSize: number,
    target: number,
    newSize: number,
  ): void {
    const touches = target + newSize === source.start || target === source.end;
    if (!touches || !this.table.find(target)?.anonVma) return;
    const mark = (from: number, to: number) => {
      if (to > from) this.table.update(from, to, (part) => ({ ...part, anonVma: true }));
    };
    mark(Math.max(source.start, this.low), start);
    mark(start + oldSize, Math.min(source.end, this.high));
  }

  /** A write faulted pages in: the kernel VMAs holding them now have an `anon_vma`. */
  noteWritten(address: number, length: number): void {
    const end = address + length;
    if (this.table.allHaveAnonVma(address, end)) return;
    let cursor = address;
    while (cursor < end) {
      const vma = procMaps(this.libc).vmaAt(cursor);
      if (!vma) break;
      this.table.update(Math.max(vma.start, this.low), Math.min(vma.end, this.high), (part) => ({
        ...part,
        anonVma: true,
      }));
      cursor = vma.end;
    }
  }
}
