import { MmapError } from "@osal/core";
import type { FrontierOwner } from "./page-source.js";
import { PageState } from "./page-state.js";
import { StateLock } from "./state-lock.js";

/**
 * A backend's index over the free pages of the page table (the page manager's
 * free-run tree, say), kept in the state buffer so that every worker sees it.
 * The engine tells it whenever a page becomes free or taken; page 0 is never
 * marked free (address 0 is NULL).
 */
export interface FreePageIndex {
  /** Marks pages `[start, end)` free (`true`: a new mapping may take them) or taken. */
  set(start: number, end: number, free: boolean): void;
}

/** How a backend's {@link FreePageIndex} is laid out in the state buffer. */
export interface FreePageIndexLayout<I extends FreePageIndex> {
  /** The 32-bit words the index needs over `totalPages` pages. */
  words(totalPages: number): number;
  /**
   * The index over `words` (as many as {@link FreePageIndexLayout.words} asked,
   * in the state buffer); `fresh`: a new state, so fill it with every page free.
   */
  view(words: Int32Array, totalPages: number, fresh: boolean): I;
}

/** A {@link FreePageIndexLayout} for backends that keep no index in the state. */
export const NO_INDEX: FreePageIndexLayout<FreePageIndex> = Object.freeze({
  words: () => 0,
  view: () => ({ set: () => {} }),
});

/** Header words of the shared state, by index into its `Int32Array`. */
export const Header = {
  /** The {@link StateLock} word. */
  Lock: 0,
  /** {@link STATE_MAGIC}: tells a state buffer from any other buffer. */
  Magic: 1,
  /** The granule (page size of the backend) in bytes. */
  Granule: 2,
  /** Pages in the address space (address space end / granule). */
  TotalPages: 3,
  /** First page not yet accounted for: every page below is owned or external, every page from here on is unclaimed. */
  Frontier: 4,
  /** Pages currently allocated. */
  MappedPages: 5,
  /** Annotations interned so far. */
  AnnotationCount: 6,
  /** UTF-16 code units of annotation text used so far. */
  AnnotationChars: 7,
  /** 32-bit words of the backend's free-page index. */
  IndexWords: 8,
  /** Most annotations the table can hold. */
  AnnotationCapacity: 9,
  /** Most UTF-16 code units of annotation text the table can hold. */
  AnnotationCharCapacity: 10,
  /** Allocated pages mapped with `reserve: true`. */
  CommittedPages: 11,
} as const;

const HEADER_WORDS = 16;
/**
 * Marks a buffer as a linear-memory state of this layout and version ("osl4":
 * granule, index words, zero marks, the page manager's index kept as deficits),
 * so a state made by another version is refused rather than misread.
 */
export const STATE_MAGIC = 0x6f736c34;

/** Distinct annotations one state can intern. */
export const ANNOTATION_CAPACITY = 16384;
/** UTF-16 code units of annotation text one state can intern. */
export const ANNOTATION_CHAR_CAPACITY = 512 * 1024;

/** What {@link SharedState.create} makes. */
export interface SharedStateOptions<I extends FreePageIndex> {
  /** Bytes per page of the backend: a power of two (4 KiB to 64 KiB pages, 1 MiB megablocks). */
  readonly granule: number;
  /** Pages in the address space (its end / granule). */
  readonly totalPages: number;
  /** `true`: a `SharedArrayBuffer` is required (`ENOTSUP` where the host has none). */
  readonly shared: boolean;
  /** The backend's free-page index kept in the buffer ({@link NO_INDEX}: none). */
  readonly index: FreePageIndexLayout<I>;
}

/**
 * The whole mutable state of a linear-memory backend, in one buffer (a
 * `SharedArrayBuffer` wherever the host has them) so that several workers can
 * attach to it: a header of counters, the page table (a state byte, an
 * attribute byte, a zero mark and an annotation id per page), the backend's
 * free-page index and the annotation table. Every field is read and written
 * under the state lock.
 */
export class SharedState<I extends FreePageIndex = FreePageIndex> implements FrontierOwner {
  /** The buffer itself: pass it to other workers to attach. */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** Header counters, see {@link Header}. */
  readonly header: Int32Array;
  /** One {@link PageState} byte per page. */
  readonly states: Uint8Array;
  /** One attribute byte per page (protection, reserve, huge page hint). */
  readonly attributes: Uint8Array;
  /** One annotation id per page (0: none). */
  readonly annotationIds: Uint32Array;
  /** One `ZeroMark` byte per page (zero-mark.ts): zeroing owed to, or known of, an allocated page. */
  readonly zeroMarks: Uint8Array;
  /** Per interned annotation: offset and length of its text. */
  readonly annotationSlots: Uint32Array;
  /** The interned annotation texts (JSON, as UTF-16 code units). */
  readonly annotationText: Uint16Array;
  /** The backend's free-page index over the page table. */
  readonly index: I;
  /** The lock every call holds while it reads or changes any of the above. */
  readonly lock: StateLock;

  private constructor(
    buffer: SharedArrayBuffer | ArrayBuffer,
    layout: FreePageIndexLayout<I>,
    fresh: boolean,
  ) {
    this.buffer = buffer;
    this.header = new Int32Array(buffer, 0, HEADER_WORDS);
    this.lock = new StateLock(this.header, Header.Lock);
    const pages = this.header[Header.TotalPages]!;
    const indexWords = this.header[Header.IndexWords]!;
    const capacity = this.header[Header.AnnotationCapacity]!;
    const charCapacity = this.header[Header.AnnotationCharCapacity]!;
    let offset = HEADER_WORDS * 4;
    this.index = layout.view(new Int32Array(buffer, offset, indexWords), pages, fresh);
    offset += indexWords * 4;
    this.annotationIds = new Uint32Array(buffer, offset, pages);
    offset += pages * 4;
    this.annotationSlots = new Uint32Array(buffer, offset, 2 * capacity);
    offset += 2 * capacity * 4;
    this.states = new Uint8Array(buffer, offset, pages);
    offset += pages;
    this.attributes = new Uint8Array(buffer, offset, pages);
    offset += pages;
    this.annotationText = new Uint16Array(buffer, offset, charCapacity);
    offset += charCapacity * 2;
    this.zeroMarks = new Uint8Array(buffer, offset, pages);
  }

  /**
   * A fresh state for `totalPages` pages of `granule` bytes: every page unclaimed
   * and free in the index, frontier 0. `shared` asks for a `SharedArrayBuffer`.
   */
  static create<I extends FreePageIndex>(options: SharedStateOptions<I>): SharedState<I> {
    const { granule, totalPages, shared, index } = options;
    const indexWords = index.words(totalPages);
    const bytes =
      HEADER_WORDS * 4 +
      indexWords * 4 +
      totalPages * 4 +
      2 * ANNOTATION_CAPACITY * 4 +
      2 * totalPages +
      2 * ANNOTATION_CHAR_CAPACITY +
      totalPages;
    const canShare = typeof SharedArrayBuffer !== "undefined";
    if (shared && !canShare) {
      throw new MmapError({
        code: "ENOTSUP",
        syscall: "mmap",
        detail: "this host has no SharedArrayBuffer, so the state cannot be shared",
      });
    }
    const buffer = canShare ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    const header = new Int32Array(buffer, 0, HEADER_WORDS);
    header[Header.Magic] = STATE_MAGIC;
    header[Header.Granule] = granule;
    header[Header.TotalPages] = totalPages;
    header[Header.IndexWords] = indexWords;
    header[Header.AnnotationCapacity] = ANNOTATION_CAPACITY;
    header[Header.AnnotationCharCapacity] = ANNOTATION_CHAR_CAPACITY;
    return new SharedState(buffer, index, true);
  }

  /**
   * Views an existing state buffer (made by {@link SharedState.create}, maybe in
   * another worker) with the same index `layout`; `EINVAL` when `buffer` is not
   * a state, or its index is not laid out as `layout` says.
   */
  static attach<I extends FreePageIndex>(
    buffer: unknown,
    layout: FreePageIndexLayout<I>,
  ): SharedState<I> {
    const valid =
      (buffer instanceof ArrayBuffer ||
        (typeof SharedArrayBuffer !== "undefined" && buffer instanceof SharedArrayBuffer)) &&
      buffer.byteLength >= HEADER_WORDS * 4 &&
      new Int32Array(buffer, 0, HEADER_WORDS)[Header.Magic] === STATE_MAGIC;
    if (!valid) {
      throw new MmapError({
        code: "EINVAL",
        syscall: "mmap",
        detail: "shared.state is not a linear-memory state buffer",
      });
    }
    const header = new Int32Array(buffer as ArrayBuffer, 0, HEADER_WORDS);
    if (layout.words(header[Header.TotalPages]!) !== header[Header.IndexWords]) {
      throw new MmapError({
        code: "EINVAL",
        syscall: "mmap",
        detail: "shared.state was made by a backend with another page index",
      });
    }
    return new SharedState(buffer as SharedArrayBuffer | ArrayBuffer, layout, false);
  }

  /** Bytes per page (the granule). */
  get granule(): number {
    return this.header[Header.Granule]!;
  }

  /** Pages in the address space. */
  get totalPages(): number {
    return this.header[Header.TotalPages]!;
  }

  /** First unclaimed page (see {@link Header.Frontier}). */
  get frontier(): number {
    return this.header[Header.Frontier]!;
  }

  set frontier(page: number) {
    this.header[Header.Frontier] = page;
  }

  /** Marks unclaimed pages `[from, to)` as someone else's and moves the frontier past them. */
  external(from: number, to: number): void {
    // Every page below the frontier is already accounted for.
    const start = Math.max(from, this.frontier);
    if (to <= start) return;
    this.states.fill(PageState.External, start, to);
    this.index.set(start, to, false);
    this.frontier = to;
  }

  /** Marks unclaimed pages `[from, to)` as owned and free, and moves the frontier past them. */
  owned(from: number, to: number, zeroed: boolean): void {
    const start = Math.max(from, this.frontier);
    if (to <= start) return;
    // Unclaimed pages are already free in the index: only their state changes.
    this.states.fill(zeroed ? PageState.FreeZeroed : PageState.FreeDirty, start, to);
    this.frontier = to;
  }

  /**
   * External pages of `[from, to)` below the frontier were given back by their
   * owner (a guest's negative `sbrk`) and claimed again: now owned, free, dirty.
   */
  reclaim(from: number, to: number): void {
    const end = Math.min(to, this.frontier);
    let runStart = -1;
    for (let page = from; page <= end; page++) {
      if (page < end && this.states[page] === PageState.External) {
        this.states[page] = PageState.FreeDirty;
        if (runStart < 0) runStart = page;
      } else if (runStart >= 0) {
        // Page 0 stays out of the index: address 0 is never handed out.
        this.index.set(Math.max(runStart, 1), page, true);
        runStart = -1;
      }
    }
  }

  /** Pages currently allocated. */
  get mappedPages(): number {
    return this.header[Header.MappedPages]!;
  }

  set mappedPages(pages: number) {
    this.header[Header.MappedPages] = pages;
  }
}
