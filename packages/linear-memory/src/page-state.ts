import { HugePageSupport, type MappingInfo, MmapProtection } from "@osal/core";

/**
 * What one page of the address space is, as stored in the page table (one byte a
 * page). See `Note [Linear-memory engine]` in `engine.ts`.
 */
export const PageState = {
  /** Past the frontier: not in the backend's hands yet, can be claimed by growing. */
  Unclaimed: 0,
  /** Below the frontier but owned by someone else (the guest's heap, memory grown behind our back). */
  External: 1,
  /** Owned, free, and known to read as zero (never handed out since it was grown). */
  FreeZeroed: 2,
  /** Owned, free, and possibly written: zeroed when mapped again. */
  FreeDirty: 3,
  /** Owned and mapped by a caller. */
  Allocated: 4,
} as const;

/** One of the {@link PageState} values. */
export type PageState = (typeof PageState)[keyof typeof PageState];

/** True for the states a new mapping may take (free, or claimable by growing). */
export function isPlaceable(state: number): boolean {
  return (
    state === PageState.FreeZeroed || state === PageState.FreeDirty || state === PageState.Unclaimed
  );
}

const protCodes: readonly MmapProtection[] = [
  MmapProtection.ReadWrite,
  MmapProtection.ReadWriteExec,
  MmapProtection.NoAccess,
];

const PROT_MASK = 0b11;
const RESERVE_BIT = 0b100;
const HUGE_BIT = 0b1000;

/**
 * Packs the attributes of an allocated page (protection, reserve, huge page hint)
 * into the byte the page table keeps beside its state.
 */
export function encodeAttributes(
  prot: MmapProtection,
  reserve: boolean,
  hugePage: HugePageSupport,
): number {
  return (
    protCodes.indexOf(prot) |
    (reserve ? RESERVE_BIT : 0) |
    (hugePage === HugePageSupport.TransparentHugePages ? HUGE_BIT : 0)
  );
}

/** The attribute byte with its protection replaced. */
export function withProtection(attributes: number, prot: MmapProtection): number {
  return (attributes & ~PROT_MASK) | protCodes.indexOf(prot);
}

/** The protection stored in an attribute byte. */
export function protectionOf(attributes: number): MmapProtection {
  return protCodes[attributes & PROT_MASK]!;
}

/** True when the attribute byte allows reads and writes. */
export function isAccessibleAttribute(attributes: number): boolean {
  return (attributes & PROT_MASK) !== 2;
}

/** True when the attribute byte says the page was mapped with `reserve: true`. */
export function isReservedAttribute(attributes: number): boolean {
  return (attributes & RESERVE_BIT) !== 0;
}

/** The {@link MappingInfo} fields an attribute byte stands for. */
export function decodeAttributes(
  attributes: number,
): Pick<MappingInfo, "prot" | "reserve" | "hugePage"> {
  return {
    prot: protectionOf(attributes),
    reserve: (attributes & RESERVE_BIT) !== 0,
    hugePage:
      (attributes & HUGE_BIT) !== 0 ? HugePageSupport.TransparentHugePages : HugePageSupport.No,
  };
}
