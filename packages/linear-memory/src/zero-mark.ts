/**
 * What the bytes of an allocated page are to its next reader, one byte a page
 * beside its state (free pages: always `Dirty`, i.e. no mark). Only `NoAccess`
 * pages carry `Pending` or `Zero`: making a page accessible settles the mark.
 * The functions below are the transitions of `Note [Lazy zeroing]` (engine.ts),
 * one page at a time, for any table that keeps these marks.
 */
export const ZeroMark = {
  /** The bytes are the mapping's own (written, or readable since it was mapped). */
  Dirty: 0,
  /** Must read as zero once accessible, but still holds old bytes: zeroed when opened. */
  Pending: 1,
  /** Known to read as zero (mapped `NoAccess` over fresh or zero pages, never opened since). */
  Zero: 2,
} as const;

/** One of the {@link ZeroMark} values. */
export type ZeroMark = (typeof ZeroMark)[keyof typeof ZeroMark];

/**
 * The mark a page gets when it is mapped. `clean`: it reads as zero now (free and
 * never handed out, or an allocated `Zero` page); `accessible`: the new
 * protection allows reads; `uninitialized`: MAP_UNINITIALIZED (old bytes are
 * the contents, nothing is written).
 */
export function markWhenMapped(
  clean: boolean,
  accessible: boolean,
  uninitialized: boolean,
): ZeroMark {
  if (uninitialized) return clean && !accessible ? ZeroMark.Zero : ZeroMark.Dirty;
  if (!accessible) return clean ? ZeroMark.Zero : ZeroMark.Pending;
  return ZeroMark.Dirty;
}

/** True when mapping a page (arguments as {@link markWhenMapped}) must write zeros over it now. */
export function zeroesWhenMapped(
  clean: boolean,
  accessible: boolean,
  uninitialized: boolean,
): boolean {
  return accessible && !clean && !uninitialized;
}

/** True when making a page with mark `mark` accessible (mprotect) must zero it now; its mark becomes `Dirty`. */
export function zeroesWhenOpened(mark: number): boolean {
  return mark === ZeroMark.Pending;
}

/**
 * The mark of a `NoAccess` page after madvise(dontneed): its bytes are owed as
 * zeros (`Pending`) unless it is already `Pending` or `Zero`. (An accessible page
 * is zeroed at once and stays `Dirty`.)
 */
export function markAfterDiscard(mark: number): ZeroMark {
  return mark === ZeroMark.Dirty ? ZeroMark.Pending : (mark as ZeroMark);
}

/** True when a page unmapped with mark `mark` goes back free and known zero (else free and dirty). */
export function isCleanAfterUnmap(mark: number): boolean {
  return mark === ZeroMark.Zero;
}

/**
 * The mark of the page a moving mremap puts a page with mark `mark` on: a
 * `Dirty` page is copied and stays `Dirty`; a `Pending` or `Zero` page is not
 * copied (it has no contents) and becomes `Zero` on a `targetClean` page, else
 * `Pending`.
 */
export function markWhenMoved(mark: number, targetClean: boolean): ZeroMark {
  if (mark === ZeroMark.Dirty) return ZeroMark.Dirty;
  return targetClean ? ZeroMark.Zero : ZeroMark.Pending;
}
