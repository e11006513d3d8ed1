import { MmapError, WASM_PAGE_SIZE } from "@osal/core";
import { StateLock } from "./state-lock.js";

/** Header words of the state, by index into its `Int32Array`. */
export const Header = {
  /** The {@link StateLock} word. */
  Lock: 0,
  /** {@link STATE_MAGIC}: tells a ghc-megablock state from any other buffer. */
  Magic: 1,
  /** Megablock size in bytes. */
  MegablockSize: 2,
  /** Megablocks in the address space. */
  Count: 3,
  /** The memory's maximum in 64 KiB wasm pages (bytes would not fit in a word). */
  MaximumPages: 11,
  /** Megablocks currently mapped. */
  Mapped: 4,
  /** Megablocks currently mapped with `reserve: true`. */
  Committed: 5,
  /** Capacity of the free-run arrays. */
  RunCapacity: 6,
  /** Mapping attributes interned so far. */
  AttributeCount: 7,
  /** UTF-16 code units of attribute keys used so far. */
  AttributeChars: 8,
  /** Most attributes the table can hold. */
  AttributeCapacity: 9,
  /** Most UTF-16 code units of attribute keys the table can hold. */
  AttributeCharCapacity: 10,
} as const;

const HEADER_WORDS = 12;
/** Marks a buffer as a ghc-megablock state of this layout ("ghc1"). */
export const STATE_MAGIC = 0x67686331;
/** Distinct mapping attributes (protection, reserve, huge page hint, annotation) one state can intern. */
export const ATTRIBUTE_CAPACITY = 4096;
/** UTF-16 code units of attribute keys one state can intern. */
export const ATTRIBUTE_CHAR_CAPACITY = 128 * 1024;
/** Words of a free-run region ahead of its two arrays: the run count and the free total. */
export const FREE_RUN_COUNTERS = 2;

/**
 * The whole mutable state of a ghc-megablock backend in one buffer, a
 * `SharedArrayBuffer` when the memory is shared, so that backends in several
 * workers can attach to it: a header of counters and the lock, the page table
 * (state, dirty bit, zero mark and attribute id per megablock), the free runs
 * and the interned attributes. Every field is read and written under the lock.
 * Layout: Int32 regions first, then the UTF-16 text, then the byte arrays.
 */
export class SharedState {
  /** The buffer itself: pass it, with the shared memory, to another worker to attach. */
  readonly buffer: SharedArrayBuffer | ArrayBuffer;
  /** Header counters, see {@link Header}. */
  readonly header: Int32Array;
  /** The lock every call holds while it reads or changes the state. */
  readonly lock: StateLock;
  /** The free runs: their count, their total, then starts and ends (free-runs.ts). */
  readonly freeRuns: Int32Array;
  /** One interned attribute id per megablock (meaningful while mapped). */
  readonly attributeIds: Uint32Array;
  /** Per interned attribute: offset and length of its key. */
  readonly attributeSlots: Uint32Array;
  /** The interned attribute keys (attribute-table.ts), as UTF-16 code units. */
  readonly attributeText: Uint16Array;
  /** One `MegablockState` byte per megablock. */
  readonly states: Uint8Array;
  /** One byte per megablock: 1 once handed out since it was grown (its bytes may be non-zero). */
  readonly dirty: Uint8Array;
  /** One `ZeroMark` byte per megablock (megablock-table.ts). */
  readonly zeroMarks: Uint8Array;

  private constructor(buffer: SharedArrayBuffer | ArrayBuffer) {
    this.buffer = buffer;
    this.header = new Int32Array(buffer, 0, HEADER_WORDS);
    this.lock = new StateLock(this.header, Header.Lock);
    const count = this.header[Header.Count]!;
    const runs = this.header[Header.RunCapacity]!;
    const capacity = this.header[Header.AttributeCapacity]!;
    const chars = this.header[Header.AttributeCharCapacity]!;
    let offset = HEADER_WORDS * 4;
    this.freeRuns = new Int32Array(buffer, offset, FREE_RUN_COUNTERS + 2 * runs);
    offset += this.freeRuns.byteLength;
    this.attributeIds = new Uint32Array(buffer, offset, count);
    offset += count * 4;
    this.attributeSlots = new Uint32Array(buffer, offset, 2 * capacity);
    offset += 2 * capacity * 4;
    this.attributeText = new Uint16Array(buffer, offset, chars);
    offset += chars * 2;
    this.states = new Uint8Array(buffer, offset, count);
    this.dirty = new Uint8Array(buffer, offset + count, count);
    this.zeroMarks = new Uint8Array(buffer, offset + 2 * count, count);
  }

  /**
   * A fresh state for a memory of at most `maximumBytes` (a multiple of 64 KiB)
   * in megablocks of `megablockSize` bytes: every one foreign, nothing free or
   * mapped. `shared` asks for a `SharedArrayBuffer`
   * (`ENOTSUP` where the host has none).
   */
  static create(megablockSize: number, maximumBytes: number, shared: boolean): SharedState {
    const count = Math.floor(maximumBytes / megablockSize);
    // Free runs never touch and megablock 0 is never free: at most half of the rest are runs.
    const runs = (count >> 1) + 1;
    const bytes =
      HEADER_WORDS * 4 +
      (FREE_RUN_COUNTERS + 2 * runs) * 4 +
      count * 4 +
      2 * ATTRIBUTE_CAPACITY * 4 +
      ATTRIBUTE_CHAR_CAPACITY * 2 +
      3 * count;
    if (shared && typeof SharedArrayBuffer === "undefined") {
      throw new MmapError({
        code: "ENOTSUP",
        syscall: "mmap",
        detail: "this host has no SharedArrayBuffer, so the state cannot be shared",
      });
    }
    const buffer = shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
    const header = new Int32Array(buffer, 0, HEADER_WORDS);
    header[Header.Magic] = STATE_MAGIC;
    header[Header.MegablockSize] = megablockSize;
    header[Header.Count] = count;
    header[Header.MaximumPages] = maximumBytes / WASM_PAGE_SIZE;
    header[Header.RunCapacity] = runs;
    header[Header.AttributeCapacity] = ATTRIBUTE_CAPACITY;
    header[Header.AttributeCharCapacity] = ATTRIBUTE_CHAR_CAPACITY;
    return new SharedState(buffer);
  }

  /**
   * Views the state of a backend made in another worker (its `state`); `EINVAL`
   * when `buffer` is not a shared ghc-megablock state.
   */
  static attach(buffer: unknown): SharedState {
    const valid =
      typeof SharedArrayBuffer !== "undefined" &&
      buffer instanceof SharedArrayBuffer &&
      buffer.byteLength >= HEADER_WORDS * 4 &&
      new Int32Array(buffer, 0, HEADER_WORDS)[Header.Magic] === STATE_MAGIC;
    if (!valid) {
      throw new MmapError({
        code: "EINVAL",
        syscall: "mmap",
        detail: "shared.state is not the SharedArrayBuffer of a ghc-megablock state",
      });
    }
    return new SharedState(buffer);
  }

  /** Megablock size in bytes. */
  get megablockSize(): number {
    return this.header[Header.MegablockSize]!;
  }

  /** Megablocks in the address space. */
  get count(): number {
    return this.header[Header.Count]!;
  }

  /** The memory's maximum in bytes. */
  get maximumBytes(): number {
    return this.header[Header.MaximumPages]! * WASM_PAGE_SIZE;
  }
}
