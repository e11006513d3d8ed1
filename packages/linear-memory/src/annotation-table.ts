import { MmapAnnotation, MmapError } from "@osal/core";
import { Header, type SharedState } from "./shared-state.js";

/**
 * Annotations by number, so the page table can keep one 32-bit id per page and
 * every worker attached to the state reads the same annotation back. Texts are
 * appended to the shared state (never removed: a runtime uses a handful of
 * distinct annotations); each instance caches what it has decoded. Id 0 is "no
 * annotation". Call with the state lock held.
 */
export class AnnotationTable {
  private readonly state: SharedState;
  private readonly byObject = new WeakMap<MmapAnnotation, number>();
  private readonly byKey = new Map<string, number>();
  private readonly decoded: (MmapAnnotation | undefined)[] = [undefined];
  // The annotation interned last and its id (calls in a row usually share one).
  private last: MmapAnnotation | undefined;
  private lastId = 0;

  /** A table over the annotation area of `state`. */
  constructor(state: SharedState) {
    this.state = state;
  }

  /**
   * The id of `annotation`, adding it to the shared table if no worker has yet.
   * Throws `ENOMEM` (changing nothing) when the table is full.
   */
  intern(annotation: MmapAnnotation | undefined): number {
    if (annotation === undefined) return 0;
    if (annotation === this.last) return this.lastId;
    const known = this.byObject.get(annotation);
    if (known !== undefined) {
      this.last = annotation;
      this.lastId = known;
      return known;
    }
    const key = annotationKey(annotation);
    this.catchUp();
    let id = this.byKey.get(key);
    if (id === undefined) id = this.append(key, annotation);
    this.byObject.set(annotation, id);
    return id;
  }

  /** The annotation with id `id` (undefined for 0). */
  lookup(id: number): MmapAnnotation | undefined {
    if (id === 0) return undefined;
    if (id >= this.decoded.length) this.catchUp();
    return this.decoded[id];
  }

  /** Decodes the entries other workers added since this instance last looked. */
  private catchUp(): void {
    const { header, annotationSlots, annotationText } = this.state;
    const count = header[Header.AnnotationCount]!;
    for (let id = this.decoded.length; id <= count; id++) {
      const offset = annotationSlots[2 * (id - 1)]!;
      const length = annotationSlots[2 * (id - 1) + 1]!;
      let key = "";
      for (let i = offset; i < offset + length; i++) key += String.fromCharCode(annotationText[i]!);
      this.decoded.push(annotationFromKey(key));
      this.byKey.set(key, id);
    }
  }

  private append(key: string, annotation: MmapAnnotation): number {
    const { header, annotationSlots, annotationText } = this.state;
    const count = header[Header.AnnotationCount]!;
    const used = header[Header.AnnotationChars]!;
    if (
      count >= header[Header.AnnotationCapacity]! ||
      used + key.length > header[Header.AnnotationCharCapacity]!
    ) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: "mmap",
        annotation,
        detail: "the annotation table is full (too many distinct annotations)",
      });
    }
    for (let i = 0; i < key.length; i++) annotationText[used + i] = key.charCodeAt(i);
    annotationSlots[2 * count] = used;
    annotationSlots[2 * count + 1] = key.length;
    header[Header.AnnotationChars] = used + key.length;
    header[Header.AnnotationCount] = count + 1;
    const id = count + 1;
    this.decoded.push(annotation);
    this.byKey.set(key, id);
    return id;
  }
}

/**
 * The text an annotation is interned as (JSON), the same in every worker and
 * every backend: {@link annotationFromKey} reads it back.
 */
export function annotationKey(annotation: MmapAnnotation): string {
  switch (annotation.kind) {
    case "space":
      return JSON.stringify(["space", annotation.name]);
    case "sidemeta":
      return JSON.stringify(["sidemeta", annotation.space, annotation.meta]);
    case "test":
      return JSON.stringify(["test", annotation.file, annotation.line]);
    case "misc":
      return JSON.stringify(["misc", annotation.name]);
  }
}

/** The annotation {@link annotationKey} made `key` from. */
export function annotationFromKey(key: string): MmapAnnotation {
  const [kind, a, b] = JSON.parse(key) as [MmapAnnotation["kind"], string, string | number];
  switch (kind) {
    case "space":
      return MmapAnnotation.space(a);
    case "sidemeta":
      return MmapAnnotation.sidemeta(a, b as string);
    case "test":
      return MmapAnnotation.test(a, b as number);
    case "misc":
      return MmapAnnotation.misc(a);
  }
}
