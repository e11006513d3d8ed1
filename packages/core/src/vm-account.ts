import { MmapProtection } from "./protection.js";

/**
 * Linux's `VM_ACCOUNT` rule, shared by the backends that keep commit
 * accounting the kernel's way (mock-unix simulates it, node-posix mirrors the
 * real kernel's). A mapping is charged against the commit limit when it is
 * writable and reserved; `mprotect` (Linux 6.7+) charges reserved memory it
 * makes writable, and uncharges memory it makes `PROT_NONE` only while nothing
 * was ever written to it (the VMA has no `anon_vma`).
 */

/** Whether a new mapping with `prot` and `reserve` (not `MAP_NORESERVE`) is charged. */
export function isAccountable(prot: MmapProtection, reserve: boolean): boolean {
  return reserve && prot !== MmapProtection.NoAccess;
}

/** The accounting state of one run of pages, as {@link accountedAfterMprotect} reads it. */
export interface AccountedRun {
  /** Its current protection. */
  readonly prot: MmapProtection;
  /** Whether it is charged now (`VM_ACCOUNT`). */
  readonly accounted: boolean;
  /** Whether its VMA has an `anon_vma` (something was written to it). */
  readonly written: boolean;
}

/**
 * `VM_ACCOUNT` after `mprotect` to `prot`: an unchanged protection changes
 * nothing; making it accessible charges it if `chargeable` (reserved, or
 * `vm.overcommit_memory=2`, where `MAP_NORESERVE` is ignored); making it
 * `PROT_NONE` uncharges it only while it was never written.
 */
export function accountedAfterMprotect(
  run: AccountedRun,
  prot: MmapProtection,
  chargeable: boolean,
): boolean {
  if (prot === run.prot) return run.accounted;
  if (prot !== MmapProtection.NoAccess) return run.accounted || chargeable;
  return run.accounted && run.written;
}
