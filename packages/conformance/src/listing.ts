import { formatAnnotation, type MmapProtection, type OSMemory } from "@osal/core";

/** The attributes of a listed mapping that tests compare. */
export interface ListedAttributes {
  readonly prot: MmapProtection;
  readonly reserve: boolean;
  /** The annotation's display form, or `undefined`. */
  readonly annotation: string | undefined;
}

/** The attributes of the mapping `getMappings()` lists at `address`, or `undefined` if none covers it. */
export function listedAt(os: OSMemory, address: number): ListedAttributes | undefined {
  const mapping = os.getMappings().find((m) => m.start <= address && address < m.end);
  if (!mapping) return undefined;
  return {
    prot: mapping.prot,
    reserve: mapping.reserve,
    annotation: mapping.annotation ? formatAnnotation(mapping.annotation) : undefined,
  };
}
