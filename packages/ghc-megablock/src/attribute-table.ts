import { type HugePageSupport, MmapAnnotation, MmapError, type MmapProtection } from "@osal/core";
import { Header, type SharedState } from "./shared-state.js";

/** The attributes a mapped megablock carries, shared by every megablock mapped alike. */
export interface MappingAttributes {
  readonly prot: MmapProtection;
  readonly reserve: boolean;
  readonly hugePage: HugePageSupport;
  readonly annotation: MmapAnnotation | undefined;
}

/**
 * Mapping attributes by number, so the page table keeps one 32-bit id per
 * megablock and every worker attached to the state reads the same attributes
 * back. Each distinct attributes value is appended to the state once, as a
 * text key (never removed: a runtime uses a handful); each instance caches what it
 * has decoded. Call with the state lock held.
 */
export class AttributeTable {
  private readonly byKey = new Map<string, number>();
  private readonly decoded: MappingAttributes[] = [];

  /** A table over the attribute area of `state`. */
  constructor(private readonly state: SharedState) {}

  /**
   * The id of `attributes`, the same for equal attributes in every worker,
   * appending them if no worker has yet. `ENOMEM` (nothing changed) when the
   * table is full.
   */
  intern(attributes: MappingAttributes): number {
    const key = keyOf(attributes);
    let id = this.byKey.get(key);
    if (id !== undefined) return id;
    this.catchUp();
    id = this.byKey.get(key);
    return id ?? this.append(key, attributes.annotation);
  }

  /** The attributes with id `id`. */
  byId(id: number): MappingAttributes {
    if (id >= this.decoded.length) this.catchUp();
    return this.decoded[id]!;
  }

  /** Decodes the entries other workers added since this instance last looked. */
  private catchUp(): void {
    const { header, attributeSlots, attributeText } = this.state;
    const count = header[Header.AttributeCount]!;
    for (let id = this.decoded.length; id < count; id++) {
      const offset = attributeSlots[2 * id]!;
      const length = attributeSlots[2 * id + 1]!;
      let key = "";
      for (let i = offset; i < offset + length; i++) key += String.fromCharCode(attributeText[i]!);
      this.decoded.push(fromKey(key));
      this.byKey.set(key, id);
    }
  }

  private append(key: string, annotation: MmapAnnotation | undefined): number {
    const { header, attributeSlots, attributeText } = this.state;
    const id = header[Header.AttributeCount]!;
    const used = header[Header.AttributeChars]!;
    if (
      id >= header[Header.AttributeCapacity]! ||
      used + key.length > header[Header.AttributeCharCapacity]!
    ) {
      throw new MmapError({
        code: "ENOMEM",
        syscall: "mmap",
        annotation,
        detail: "the attribute table is full (too many distinct annotations)",
      });
    }
    for (let i = 0; i < key.length; i++) attributeText[used + i] = key.charCodeAt(i);
    attributeSlots[2 * id] = used;
    attributeSlots[2 * id + 1] = key.length;
    header[Header.AttributeChars] = used + key.length;
    header[Header.AttributeCount] = id + 1;
    this.catchUp();
    return id;
  }
}

/** The JSON text of each annotation seen, canonical (see {@link canonical}). */
const annotationTexts = new WeakMap<MmapAnnotation, string>();

/** The key of `attributes`: `prot|reserve|hugePage|annotation JSON` (the annotation rebuilt canonically). */
function keyOf(attributes: MappingAttributes): string {
  const { prot, reserve, hugePage, annotation } = attributes;
  let text = "";
  if (annotation !== undefined) {
    text = annotationTexts.get(annotation) ?? JSON.stringify(canonical(annotation));
    annotationTexts.set(annotation, text);
  }
  return `${prot}|${reserve ? 1 : 0}|${hugePage}|${text}`;
}

function fromKey(key: string): MappingAttributes {
  const [prot, reserve, hugePage] = key.split("|", 3) as [MmapProtection, string, HugePageSupport];
  const text = key.slice(prot.length + reserve.length + hugePage.length + 3);
  return Object.freeze({
    prot,
    reserve: reserve === "1",
    hugePage,
    annotation: text === "" ? undefined : canonical(JSON.parse(text) as MmapAnnotation),
  });
}

/** `annotation` rebuilt by its constructor: frozen, with its fields in one order. */
function canonical(annotation: MmapAnnotation): MmapAnnotation {
  switch (annotation.kind) {
    case "space":
      return MmapAnnotation.space(annotation.name);
    case "sidemeta":
      return MmapAnnotation.sidemeta(annotation.space, annotation.meta);
    case "test":
      return MmapAnnotation.test(annotation.file, annotation.line);
    case "misc":
      return MmapAnnotation.misc(annotation.name);
  }
}
