import type { MmapProtection, PageState } from "@osal/core";

/**
 * What a stretch of the map is drawn as: a mapping by its protection, an
 * unmapped run by its page state, `unknown` for unmapped memory whose state the
 * backend does not report, `beyond` for addresses past the linear memory's
 * current size (it grew later in the run).
 */
export type MapKey = MmapProtection | PageState | "unknown" | "beyond";

/** Fill colour and legend text of every {@link MapKey}, in legend order. */
export const palette: Readonly<Record<MapKey, { readonly fill: string; readonly label: string }>> =
  {
    ReadWrite: { fill: "#2f6db5", label: "mapped rw-" },
    ReadWriteExec: { fill: "#8e44ad", label: "mapped rwx" },
    NoAccess: { fill: "#9fb7d6", label: "mapped --- (PROT_NONE reservation)" },
    "free-zeroed": { fill: "#bfe3b4", label: "free, zeroed" },
    "free-dirty": { fill: "#f0a35e", label: "free, dirty (zeroed when next mapped)" },
    external: { fill: "#555555", label: "external (the guest's own heap and data)" },
    unknown: { fill: "#e4e4e4", label: "unmapped (state not reported by this backend)" },
    beyond: { fill: "#ffffff", label: "beyond memory.size at this moment" },
  };
