import {
  formatAnnotation,
  type HugePageSupport,
  isAccessible,
  type MmapAnnotation,
  type MmapProtection,
} from "@osal/core";

/** What a mapped page was mapped with: the attributes a listing shows. */
export interface PageAttributes {
  readonly prot: MmapProtection;
  readonly reserve: boolean;
  readonly hugePage: HugePageSupport;
  readonly annotation: MmapAnnotation | undefined;
}

/** The id of "no mapping here" in a block's page array. */
export const UNMAPPED = 0;

/**
 * Interns {@link PageAttributes} as small integer ids (starting at 1; 0 is
 * {@link UNMAPPED}), so a block keeps one `Uint32Array` entry per page and
 * adjacent pages with equal attributes compare by id.
 */
export class AttributeTable {
  private readonly list: PageAttributes[] = [];
  private readonly ids = new Map<string, number>();

  /** The id of these attributes, interning them on first use. */
  idOf(attributes: PageAttributes): number {
    const key = [
      attributes.prot,
      attributes.reserve,
      attributes.hugePage,
      attributes.annotation === undefined ? "" : `@${formatAnnotation(attributes.annotation)}`,
    ].join("|");
    let id = this.ids.get(key);
    if (id === undefined) {
      this.list.push(Object.freeze({ ...attributes }));
      id = this.list.length;
      this.ids.set(key, id);
    }
    return id;
  }

  /** The attributes of a mapped page's id. */
  get(id: number): PageAttributes {
    const attributes = this.list[id - 1];
    if (attributes === undefined) throw new RangeError(`no page attributes with id ${id}`);
    return attributes;
  }

  /** True when pages with this id may be read and written. */
  accessible(id: number): boolean {
    return id !== UNMAPPED && isAccessible(this.get(id).prot);
  }

  /** The id of the same attributes with some fields changed. */
  with(id: number, change: Partial<PageAttributes>): number {
    return this.idOf({ ...this.get(id), ...change });
  }
}
