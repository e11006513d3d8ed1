import { MmapError, type MremapOptions } from "@osal/core";
import { sliceVma, type Vma } from "./vma.js";
import type { VmaList } from "./vma-list.js";

/**
 * Note [mremap to a new address]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * `MREMAP_FIXED` (`newAddress`) and `MREMAP_DONTUNMAP` as Linux 6.17 does them
 * (checked against the 6.18 kernel with a native program):
 *   - resizing while moving needs the kept part (`min(old, new)`) inside the VMA
 *     at `start` (`EFAULT`); growing extends the moved VMA;
 *   - with the same size and `MREMAP_FIXED`, the old range may span several VMAs
 *     and holes: each VMA part moves to the same offset from the new address
 *     (keeping its flags, name and `anon_vma`), holes stay holes;
 *   - with `MREMAP_DONTUNMAP` and no fixed address, several VMAs are `EINVAL`, one
 *     VMA and a hole `EFAULT`;
 *   - the destination range is unmapped first (`MAP_FIXED` semantics); with
 *     `MREMAP_DONTUNMAP` the old VMAs stay, without pages (they read zero) and
 *     without their `anon_vma` (`unlink_anon_vmas`), still charged: the kernel
 *     charges the new range as well.
 * The whole change is one new VMA list, adopted (limits, commit) or refused as a
 * unit, so a failure changes nothing: the bug the guest's old composed
 * `MREMAP_FIXED` had (destination grown and zeroed, then `ENOMEM`) cannot happen.
 */

/** A planned move: the new VMA list, and what the caller then does to the pages. */
export interface RemapMove {
  /** The VMA list after the call. */
  readonly next: VmaList;
  /** Where the range went. */
  readonly target: number;
  /** Byte ranges whose pages are dropped, before the move (replaced destination, shrunk tail). */
  readonly drops: readonly (readonly [start: number, size: number])[];
  /** The pages of `[from, from + size)` move to `to` (the old range then reads zero). */
  readonly move: { readonly from: number; readonly size: number; readonly to: number };
}

/**
 * Plans `mremap` with `newAddress` or `dontUnmap` (see Note [mremap to a new
 * address]). `place(size)` finds a free range when no address is given. Changes
 * nothing; throws `EFAULT`/`EINVAL` as Linux.
 */
export function planRemapMove(
  vmas: VmaList,
  start: number,
  oldSize: number,
  newSize: number,
  options: MremapOptions,
  place: (size: number, annotationOf: Vma) => number,
): RemapMove {
  const fault = (detail: string): MmapError =>
    new MmapError({ code: "EFAULT", syscall: "mremap", address: start, size: oldSize, detail });
  const vma = vmas.find(start);
  if (!vma) throw fault("nothing is mapped at the old address");
  const kept = Math.min(oldSize, newSize);
  if (start + kept > vma.end) {
    if (oldSize !== newSize) throw fault("a move that resizes needs the kept range in one mapping");
    if (options.newAddress === undefined) {
      if (vmas.overlapping(vma.end, start + oldSize).length > 0) {
        throw new MmapError({
          code: "EINVAL",
          syscall: "mremap",
          address: start,
          size: oldSize,
          detail: "MREMAP_DONTUNMAP over several mappings needs MREMAP_FIXED",
        });
      }
      throw fault("the old range runs past its mapping into unmapped pages");
    }
  }
  const target = options.newAddress ?? place(newSize, vma);
  let next = vmas.without(target, target + newSize);
  if (newSize < oldSize) next = next.without(start + newSize, start + oldSize);
  const parts = vmas
    .overlapping(start, start + kept)
    .map((v) => sliceVma(v, Math.max(v.start, start), Math.min(v.end, start + kept)));
  for (const [i, part] of parts.entries()) {
    const partStart = target + (part.start - start);
    const last = i === parts.length - 1;
    const partEnd = last && newSize > kept ? target + newSize : target + (part.end - start);
    // Linux's copy_vma: a VMA never written takes the offset of its new place.
    const offset = part.anonVma === undefined ? partStart : part.offset;
    next = next.with({ ...part, start: partStart, end: partEnd, offset });
  }
  if (options.dontUnmap === true) {
    for (const part of parts) next = next.with({ ...part, anonVma: undefined });
  } else {
    next = next.without(start, start + kept);
  }
  const drops: (readonly [number, number])[] = [[target, newSize]];
  if (newSize < oldSize) drops.push([start + newSize, oldSize - newSize]);
  return { next, target, drops, move: { from: start, size: kept, to: target } };
}
