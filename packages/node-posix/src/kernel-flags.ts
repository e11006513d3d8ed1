import { type MadviseAdvice, MmapProtection } from "@osal/core";
import { Linux } from "./libc.js";

/** The kernel's `MADV_*` value of each advice. */
export const KERNEL_ADVICE: Readonly<Record<MadviseAdvice, number>> = {
  normal: Linux.MADV_NORMAL,
  random: Linux.MADV_RANDOM,
  sequential: Linux.MADV_SEQUENTIAL,
  willneed: Linux.MADV_WILLNEED,
  dontneed: Linux.MADV_DONTNEED,
  hugepage: Linux.MADV_HUGEPAGE,
  nohugepage: Linux.MADV_NOHUGEPAGE,
};

/** The kernel's `PROT_*` bits for a protection. */
export function kernelProt(prot: MmapProtection): number {
  switch (prot) {
    case MmapProtection.ReadWrite:
      return Linux.PROT_READ | Linux.PROT_WRITE;
    case MmapProtection.ReadWriteExec:
      return Linux.PROT_READ | Linux.PROT_WRITE | Linux.PROT_EXEC;
    case MmapProtection.NoAccess:
      return Linux.PROT_NONE;
  }
}
