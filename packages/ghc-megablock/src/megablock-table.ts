import type { MappingInfo } from "@osal/core";
import { AttributeTable, type MappingAttributes } from "./attribute-table.js";
import { Header, type SharedState } from "./shared-state.js";

export type { MappingAttributes } from "./attribute-table.js";

/** What one megablock is to this backend. */
export const MegablockState = {
  /** Not this backend's: below its first growth, an alignment gap, or grown by someone else. */
  Foreign: 0,
  /** Grown by this backend and on its free list. */
  Free: 1,
  /** Handed out to a caller. */
  Mapped: 2,
} as const;

/** One of the {@link MegablockState} values. */
export type MegablockState = (typeof MegablockState)[keyof typeof MegablockState];

/**
 * What the bytes of a mapped megablock are to its next reader. Only `NoAccess`
 * megablocks are ever `Pending` or `Zero`; making one accessible settles it to
 * `Dirty`. See Note [Lazy zeroing of megablocks] in `megablock-space.ts`.
 */
export const ZeroMark = {
  /** The bytes are the mapping's own (it is, or was, accessible). */
  Dirty: 0,
  /** Must read as zero once accessible but still holds old bytes: zeroed when opened. */
  Pending: 1,
  /** Known to read as zero: mapped `NoAccess` over a clean megablock, never accessible since. */
  Zero: 2,
} as const;

/** One of the {@link ZeroMark} values. */
export type ZeroMark = (typeof ZeroMark)[keyof typeof ZeroMark];

/**
 * The page table: one entry per megablock of the address space, holding its
 * state, whether it has ever been handed out (`dirty`: its bytes may be
 * non-zero, so it must be zeroed before it is handed out again) and, while
 * mapped, its attributes (interned: megablocks mapped alike share one id) and
 * its {@link ZeroMark} (zeroing owed to, or known of, a `NoAccess` megablock).
 * Keeps the mapped and committed megablock counts up to date.
 */
export class MegablockTable {
  /** Number of megablocks the address space holds. */
  readonly count: number;
  private readonly header: Int32Array;
  private readonly state: Uint8Array;
  private readonly dirty: Uint8Array;
  private readonly marks: Uint8Array;
  private readonly attributeIds: Uint32Array;
  private readonly attributes: AttributeTable;

  /** The page table kept in `shared` (its attributes interned there too). */
  constructor(shared: SharedState) {
    this.count = shared.count;
    this.header = shared.header;
    this.state = shared.states;
    this.dirty = shared.dirty;
    this.marks = shared.zeroMarks;
    this.attributeIds = shared.attributeIds;
    this.attributes = new AttributeTable(shared);
  }

  private get mapped(): number {
    return this.header[Header.Mapped]!;
  }

  private set mapped(count: number) {
    this.header[Header.Mapped] = count;
  }

  private get committed(): number {
    return this.header[Header.Committed]!;
  }

  private set committed(count: number) {
    this.header[Header.Committed] = count;
  }

  /** Megablocks currently mapped. */
  get mappedCount(): number {
    return this.mapped;
  }

  /** Megablocks currently mapped with `reserve: true`. */
  get committedCount(): number {
    return this.committed;
  }

  /** The id of `attributes`, the same for equal attributes (in every worker sharing the state). */
  intern(attributes: MappingAttributes): number {
    return this.attributes.intern(attributes);
  }

  /** The state of megablock `index` (`Foreign` past the end of the table). */
  stateOf(index: number): MegablockState {
    return (this.state[index] ?? MegablockState.Foreign) as MegablockState;
  }

  /** True when megablock `index` has been handed out since it was grown. */
  isDirty(index: number): boolean {
    return this.dirty[index] === 1;
  }

  /** The zero mark of mapped megablock `index` (`Dirty` for any other). */
  zeroMarkOf(index: number): ZeroMark {
    return this.marks[index] as ZeroMark;
  }

  /**
   * Sets the zero mark of megablocks `[start, end)`: mapped ones, or free ones
   * about to be mapped (their mark is read only once they are).
   */
  setZeroMarks(start: number, end: number, mark: ZeroMark): void {
    this.marks.fill(mark, start, end);
  }

  /** The attribute id of mapped megablock `index`. */
  attributeIdOf(index: number): number {
    return this.attributeIds[index]!;
  }

  /** The attributes of mapped megablock `index`. */
  attributesOf(index: number): MappingAttributes {
    return this.attributesById(this.attributeIdOf(index));
  }

  /** The attributes with id `id`. */
  attributesById(id: number): MappingAttributes {
    return this.attributes.byId(id);
  }

  /** Marks fresh megablocks `[start, end)`, just grown, as free and clean. */
  addFresh(start: number, end: number): void {
    this.state.fill(MegablockState.Free, start, end);
    this.dirty.fill(0, start, end);
  }

  /**
   * Marks free megablocks `[start, end)` mapped with attributes `id` (and dirty
   * from now on). Their zero marks are the caller's to set.
   */
  map(start: number, end: number, id: number): void {
    this.state.fill(MegablockState.Mapped, start, end);
    this.dirty.fill(1, start, end);
    this.attributeIds.fill(id, start, end);
    this.mapped += end - start;
    if (this.attributesById(id).reserve) this.committed += end - start;
  }

  /**
   * Marks mapped megablocks `[start, end)` free: dirty, except those marked
   * `Zero` (never accessible since they were clean), which are clean again.
   */
  unmap(start: number, end: number): void {
    for (let i = start; i < end; i++) {
      if (this.attributesOf(i).reserve) this.committed--;
      if (this.marks[i] === ZeroMark.Zero) this.dirty[i] = 0;
    }
    this.marks.fill(ZeroMark.Dirty, start, end);
    this.state.fill(MegablockState.Free, start, end);
    this.mapped -= end - start;
  }

  /** Gives mapped megablock `index` attributes `id`. */
  setAttributes(index: number, id: number): void {
    const before = this.attributesOf(index).reserve;
    const after = this.attributesById(id).reserve;
    if (before !== after) this.committed += after ? 1 : -1;
    this.attributeIds[index] = id;
  }

  /**
   * Gives every mapped megablock of `[start, end)` the attributes `change`
   * makes of its own (interning each distinct result once).
   */
  reattribute(
    start: number,
    end: number,
    change: (attributes: MappingAttributes) => MappingAttributes,
  ): void {
    const changed = new Map<number, number>();
    for (let i = start; i < end; i++) {
      const from = this.attributeIdOf(i);
      let to = changed.get(from);
      if (to === undefined) {
        to = this.intern(change(this.attributesById(from)));
        changed.set(from, to);
      }
      this.setAttributes(i, to);
    }
  }

  /** The first megablock of `[start, end)` that is not mapped, or `undefined`. */
  firstUnmapped(start: number, end: number): number | undefined {
    for (let i = start; i < end; i++) {
      if (this.state[i] !== MegablockState.Mapped) return i;
    }
    return undefined;
  }

  /**
   * The mappings among the first `limit` megablocks: maximal runs of mapped
   * megablocks with the same attributes, in bytes of `megablockSize`.
   */
  mappings(limit: number, megablockSize: number): MappingInfo[] {
    const out: MappingInfo[] = [];
    let i = 0;
    const end = Math.min(limit, this.count);
    while (i < end) {
      if (this.state[i] !== MegablockState.Mapped) {
        i++;
        continue;
      }
      const id = this.attributeIds[i]!;
      let j = i + 1;
      while (j < end && this.state[j] === MegablockState.Mapped && this.attributeIds[j] === id) j++;
      const attributes = this.attributesById(id);
      out.push({
        start: i * megablockSize,
        end: j * megablockSize,
        prot: attributes.prot,
        reserve: attributes.reserve,
        hugePage: attributes.hugePage,
        annotation: attributes.annotation,
      });
      i = j;
    }
    return out;
  }
}
