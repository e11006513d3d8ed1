/**
 * What a mapping is for, as MMTk's `MmapAnnotation`. Backends keep it with the
 * mapping and show it in memory-map listings (`[anon:…]` in `/proc/self/maps`,
 * which is what Linux shows for `PR_SET_VMA_ANON_NAME`), so a heap dump says which
 * space owns which range.
 */
export type MmapAnnotation =
  | { readonly kind: "space"; readonly name: string }
  | { readonly kind: "sidemeta"; readonly space: string; readonly meta: string }
  | { readonly kind: "test"; readonly file: string; readonly line: number }
  | { readonly kind: "misc"; readonly name: string };

/** Constructors for {@link MmapAnnotation} values. */
export const MmapAnnotation = {
  /** A heap space, e.g. `space("immix")`. */
  space(name: string): MmapAnnotation {
    return Object.freeze({ kind: "space", name });
  },
  /** Side metadata of a space, e.g. `sidemeta("immix", "mark-bits")`. */
  sidemeta(space: string, meta: string): MmapAnnotation {
    return Object.freeze({ kind: "sidemeta", space, meta });
  },
  /** A mapping made by a test, located by file and line. */
  test(file: string, line: number): MmapAnnotation {
    return Object.freeze({ kind: "test", file, line });
  },
  /** Anything else, by name. */
  misc(name: string): MmapAnnotation {
    return Object.freeze({ kind: "misc", name });
  },
} as const;

/**
 * The display form of an annotation: `space:immix`, `sidemeta:immix:mark-bits`,
 * `test:heap.test.ts:42`, `misc:name`. Stable: listings and tests compare it.
 */
export function formatAnnotation(annotation: MmapAnnotation): string {
  switch (annotation.kind) {
    case "space":
      return `space:${annotation.name}`;
    case "sidemeta":
      return `sidemeta:${annotation.space}:${annotation.meta}`;
    case "test":
      return `test:${annotation.file}:${annotation.line}`;
    case "misc":
      return `misc:${annotation.name}`;
  }
}

/** True when two annotations are the same (same kind and fields). */
export function sameAnnotation(
  a: MmapAnnotation | undefined,
  b: MmapAnnotation | undefined,
): boolean {
  if (a === undefined || b === undefined) return a === b;
  return formatAnnotation(a) === formatAnnotation(b);
}
