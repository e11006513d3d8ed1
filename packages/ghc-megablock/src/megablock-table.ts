import type { MappingInfo, MmapAnnotation, MmapProtection } from "@osal/core";
import {
  type AnnotationTable,
  decodeAttributes,
  type LinearMemoryEngine,
  PageState,
  protectionOf,
  withProtection,
} from "@osal/linear-memory";

/**
 * ghc-megablock's reading of the engine's page table (one entry per megablock,
 * in the shared state): which megablocks are mapped, their attributes
 * (protection, reserve, huge page hint: one byte) and annotation (an interned
 * id), and the mappings those make. Call with the state lock held.
 */
export class MegablockTable {
  /** Number of megablocks the address space holds. */
  readonly count: number;
  private readonly states: Uint8Array;
  private readonly attributes: Uint8Array;
  private readonly annotationIds: Uint32Array;

  /** The table of `engine`, its annotations interned in `annotations`. */
  constructor(
    private readonly engine: LinearMemoryEngine,
    private readonly annotations: AnnotationTable,
  ) {
    this.count = engine.totalPages;
    this.states = engine.states;
    this.attributes = engine.attributes;
    this.annotationIds = engine.annotationIds;
  }

  /** Megablocks currently mapped. */
  get mappedCount(): number {
    return this.engine.mappedPages;
  }

  /** Megablocks currently mapped with `reserve: true`. */
  get committedCount(): number {
    return this.engine.committedPages;
  }

  /** True when megablock `index` is mapped. */
  isMapped(index: number): boolean {
    return this.states[index] === PageState.Allocated;
  }

  /** The protection of mapped megablock `index`. */
  protOf(index: number): MmapProtection {
    return protectionOf(this.attributes[index]!);
  }

  /** The attribute byte of mapped megablock `index`. */
  attributeByteOf(index: number): number {
    return this.attributes[index]!;
  }

  /** The annotation id of mapped megablock `index`. */
  annotationIdOf(index: number): number {
    return this.annotationIds[index]!;
  }

  /** The annotation of mapped megablock `index`. */
  annotationOf(index: number): MmapAnnotation | undefined {
    return this.annotations.lookup(this.annotationIds[index]!);
  }

  /** True when mapped megablocks `a` and `b` have the same attributes and annotation (one mapping if adjacent). */
  mappedAlike(a: number, b: number): boolean {
    return (
      this.attributes[a] === this.attributes[b] && this.annotationIds[a] === this.annotationIds[b]
    );
  }

  /** Gives the mapped megablocks of `[start, end)` protection `prot`. */
  protect(start: number, end: number, prot: MmapProtection): void {
    for (let i = start; i < end; i++) {
      this.attributes[i] = withProtection(this.attributes[i]!, prot);
    }
  }

  /** Gives the mapped megablocks of `[start, end)` annotation `annotation`. */
  rename(start: number, end: number, annotation: MmapAnnotation | undefined): void {
    this.annotationIds.fill(this.annotations.intern(annotation), start, end);
  }

  /**
   * The mappings: maximal runs of mapped megablocks with the same attributes
   * and annotation, in bytes of `megablockSize`.
   */
  mappings(megablockSize: number): MappingInfo[] {
    const out: MappingInfo[] = [];
    let i = 0;
    const end = this.count;
    while (i < end) {
      if (this.states[i] !== PageState.Allocated) {
        i++;
        continue;
      }
      let j = i + 1;
      while (j < end && this.states[j] === PageState.Allocated && this.mappedAlike(i, j)) j++;
      out.push({
        start: i * megablockSize,
        end: j * megablockSize,
        ...decodeAttributes(this.attributes[i]!),
        annotation: this.annotationOf(i),
      });
      i = j;
    }
    return out;
  }
}
