import { alignUp, type ErrnoCode, hex, MmapError } from "@osal/core";
import { codeOfErrno, type Libc, Linux } from "./libc.js";

/** The name placeholder VMAs get where the kernel can name anonymous memory. */
export const PLACEHOLDER_NAME = "osal-arena-free";

const PRIVATE_ANON = Linux.MAP_PRIVATE | Linux.MAP_ANONYMOUS;

/**
 * The address range one node-posix instance owns: reserved once with
 * `PROT_NONE | MAP_NORESERVE` (address space only, no memory) and marked
 * `MADV_DONTDUMP`. Free pages of the arena stay covered by such placeholder
 * mappings, so neither V8 nor any other library in the process can be handed
 * an address inside it, and `MAP_FIXED` inside it can only ever replace the
 * backend's own pages. The `MADV_DONTDUMP` flag also keeps the kernel from
 * merging a placeholder with a user `PROT_NONE` mapping next to it, so the two
 * stay apart in `/proc/self/maps`. One guard page on each side stays a
 * placeholder for good: without it a user mapping at the arena's edge could
 * merge with whatever the process mapped next to the arena (Linux merges
 * adjacent anonymous VMAs with equal flags and takes on their `anon_vma`),
 * which the differential test caught as VMAs that would no longer merge
 * inside the arena.
 */
export class Arena {
  private released = false;

  private constructor(
    private readonly libc: Libc,
    /** First byte of the arena. */
    readonly start: number,
    /** One past the last byte. */
    readonly end: number,
    /** Size of the guard page kept as a placeholder on each side. */
    private readonly guard: number,
    /** Whether placeholders carry {@link PLACEHOLDER_NAME} (`CONFIG_ANON_VMA_NAME`). */
    readonly named: boolean,
  ) {}

  /**
   * Reserves `size` bytes aligned to `align` (both page multiples) anywhere the
   * kernel has room. Throws an `MmapError` with the kernel's code if it has none.
   */
  static reserve(libc: Libc, size: number, align: number, pageSize: number): Arena {
    const span = size + align + 2 * pageSize;
    const raw = libc.mmap(0, span, Linux.PROT_NONE, PRIVATE_ANON | Linux.MAP_NORESERVE, -1, 0);
    if (raw === -1) {
      throw new MmapError({
        code: codeOfErrno(libc.errno()),
        syscall: "mmap",
        size,
        detail: "cannot reserve the node-posix arena",
      });
    }
    const start = alignUp(raw + pageSize, align);
    const low = start - pageSize;
    const high = start + size + pageSize;
    if (low > raw) libc.munmap(raw, low - raw);
    if (raw + span > high) libc.munmap(high, raw + span - high);
    libc.madvise(low, high - low, Linux.MADV_DONTDUMP);
    const named = nameRange(libc, low, high - low, PLACEHOLDER_NAME);
    return new Arena(libc, start, start + size, pageSize, named);
  }

  /** True when the arena has been given back. */
  get isReleased(): boolean {
    return this.released;
  }

  /** True when `[start, start + size)` lies inside the arena. */
  contains(start: number, size: number): boolean {
    return start >= this.start && start + size <= this.end;
  }

  /**
   * Turns `[start, start + size)` back into placeholder pages (`MAP_FIXED`, so
   * whatever the backend had there is replaced in one step). Returns the errno
   * code on failure, `undefined` on success.
   */
  placehold(start: number, size: number): ErrnoCode | undefined {
    this.assertInside(start, size);
    const flags = PRIVATE_ANON | Linux.MAP_NORESERVE | Linux.MAP_FIXED;
    const result = this.libc.mmap(start, size, Linux.PROT_NONE, flags, -1, 0);
    if (result === -1) return codeOfErrno(this.libc.errno());
    this.libc.madvise(start, size, Linux.MADV_DONTDUMP);
    if (this.named) nameRange(this.libc, start, size, PLACEHOLDER_NAME);
    return undefined;
  }

  /** Unmaps the whole arena. Idempotent: a second call does nothing. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.libc.munmap(this.start - this.guard, this.end - this.start + 2 * this.guard);
  }

  /** Throws if a range escapes the arena: node-posix must never touch memory it does not own. */
  assertInside(start: number, size: number): void {
    if (this.released || !this.contains(start, size)) {
      throw new Error(
        `node-posix internal error: ${hex(start)}+${hex(size)} is outside the arena ${hex(this.start)}-${hex(this.end)}`,
      );
    }
  }
}

/**
 * Names anonymous memory (`PR_SET_VMA_ANON_NAME`), shown as `[anon:name]` in
 * `/proc/self/maps`. False when the kernel cannot (`CONFIG_ANON_VMA_NAME` off).
 */
export function nameRange(libc: Libc, start: number, size: number, name: string | null): boolean {
  return libc.prctl(Linux.PR_SET_VMA, Linux.PR_SET_VMA_ANON_NAME, start, size, name) === 0;
}
