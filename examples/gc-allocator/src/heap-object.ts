import { alignUp, type MemoryAccess } from "@osal/core";

/*
 * Note [Object layout]
 * ~~~~~~~~~~~~~~~~~~~~
 * An object lives in the heap's bytes, read and written only through the
 * backend's `MemoryAccess` (`read`/`write`), so the same code runs on every
 * backend. It is 8-byte aligned and laid out as
 *
 *   offset 0  u32  data length in bytes
 *          4  u16  number of reference slots
 *          6  u8   state: 0xc5 live, 0xde dead (found unreachable by a
 *                  collection); anything else is not an object start
 *          7  u8   mark: the epoch of the last collection that reached it
 *          8  u32 × slots   references, little-endian
 *          …  data bytes
 *
 * A reference slot holds the object's offset from the heap start plus one, and
 * 0 for null. Offsets rather than addresses keep slots at 32 bits (pointer
 * compression) and let null be 0 even on a backend that maps the heap at
 * address 0, as the wasm page manager does for its first mapping.
 */

/** The address of an object's header. Only the heap makes these. */
export type ObjectRef = number & { readonly __objectRef: unique symbol };

/** What to allocate: reference slots (start null) and data bytes (start zero). */
export interface ObjectShape {
  /** Number of reference slots, 0–65535. */
  readonly refs: number;
  /** Number of data bytes. */
  readonly bytes: number;
}

/** An object's header as stored in the heap. */
export interface ObjectHeader extends ObjectShape {
  /** Epoch of the last collection that marked the object (0: none yet). */
  readonly mark: number;
  /** `dead` once a collection found it unreachable; its bytes stay until its block is freed. */
  readonly state: "live" | "dead";
}

/** Header size in bytes. */
export const HEADER_BYTES = 8;
/** Size of one reference slot in bytes. */
export const REF_BYTES = 4;
/** Every object starts and ends on this boundary. */
export const OBJECT_ALIGN = 8;
/** The most reference slots an object can have (the u16 field). */
export const MAX_REFS = 0xffff;
const LIVE = 0xc5;
const DEAD = 0xde;
const STATE_OFFSET = 6;
const MARK_OFFSET = 7;

/** Bytes an object of this shape occupies, header and padding included. */
export function objectSize(shape: ObjectShape): number {
  return alignUp(HEADER_BYTES + REF_BYTES * shape.refs + shape.bytes, OBJECT_ALIGN);
}

/** Address of reference slot `slot` of the object at `ref`. */
export function slotAddress(ref: ObjectRef, slot: number): number {
  return ref + HEADER_BYTES + REF_BYTES * slot;
}

/** Address of the first data byte of the object at `ref` with `refs` slots. */
export function dataAddress(ref: ObjectRef, refs: number): number {
  return ref + HEADER_BYTES + REF_BYTES * refs;
}

/**
 * Writes a new object's header at `address`. Slots and data are left as they
 * are: the heap only allocates in memory the OS gave it zeroed, so they read as
 * null and zero without a memset.
 */
export function writeHeader(memory: MemoryAccess, address: number, shape: ObjectShape): ObjectRef {
  const header = new Uint8Array(HEADER_BYTES);
  const view = new DataView(header.buffer);
  view.setUint32(0, shape.bytes, true);
  view.setUint16(4, shape.refs, true);
  view.setUint8(STATE_OFFSET, LIVE);
  view.setUint8(MARK_OFFSET, 0);
  memory.write(address, header);
  return address as ObjectRef;
}

/** The header at `address`, or `undefined` when no object starts there. */
export function readHeader(memory: MemoryAccess, address: number): ObjectHeader | undefined {
  return parseHeader(dataView(memory.read(address, HEADER_BYTES)), 0);
}

/** The header at byte `offset` of `view` (a copy of heap bytes), or `undefined` when none is there. */
export function parseHeader(view: DataView, offset: number): ObjectHeader | undefined {
  const state = view.getUint8(offset + STATE_OFFSET);
  if (state !== LIVE && state !== DEAD) return undefined;
  return {
    bytes: view.getUint32(offset, true),
    refs: view.getUint16(offset + 4, true),
    mark: view.getUint8(offset + MARK_OFFSET),
    state: state === LIVE ? "live" : "dead",
  };
}

/** Marks the object at `ref` dead: references to it are refused from now on. */
export function writeDead(memory: MemoryAccess, ref: ObjectRef): void {
  memory.fill(ref + STATE_OFFSET, 1, DEAD);
}

/** Sets the mark byte of the object at `ref`. */
export function writeMark(memory: MemoryAccess, ref: ObjectRef, mark: number): void {
  memory.fill(ref + MARK_OFFSET, 1, mark);
}

/** The references in the `refs` slots of the object at `ref`, null slots as `null`. */
export function readSlots(
  memory: MemoryAccess,
  heapStart: number,
  ref: ObjectRef,
  refs: number,
): (ObjectRef | null)[] {
  if (refs === 0) return [];
  const view = dataView(memory.read(slotAddress(ref, 0), REF_BYTES * refs));
  const slots: (ObjectRef | null)[] = [];
  for (let i = 0; i < refs; i++)
    slots.push(decodeRef(heapStart, view.getUint32(REF_BYTES * i, true)));
  return slots;
}

/** Stores `target` (or null) in slot `slot` of the object at `ref`. */
export function writeSlot(
  memory: MemoryAccess,
  heapStart: number,
  ref: ObjectRef,
  slot: number,
  target: ObjectRef | null,
): void {
  const bytes = new Uint8Array(REF_BYTES);
  new DataView(bytes.buffer).setUint32(0, target === null ? 0 : target - heapStart + 1, true);
  memory.write(slotAddress(ref, slot), bytes);
}

function decodeRef(heapStart: number, value: number): ObjectRef | null {
  return value === 0 ? null : ((heapStart + value - 1) as ObjectRef);
}

/** A `DataView` over exactly the bytes of `bytes`. */
export function dataView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
