import {
  type Capabilities,
  type ErrnoCode,
  type MadviseAdvice,
  type MmapAnnotation,
  MmapProtection,
  MmapStrategy,
  type MremapOptions,
  type OperatingSystem,
} from "@osal/core";
import type { ConformanceCase, ConformanceGroup } from "../conformance-case.js";
import { expectFailsCleanly } from "../expectations.js";
import { freeRange, mapPattern } from "../fixtures.js";

/**
 * The order of the checks: calls with more than one thing wrong (two bad
 * arguments, or a bad argument where a state check would also fail), one row
 * each, with the code every backend must give. The bad-input and wrong-type
 * matrices make one argument wrong at a time; only these rows tell whether
 * two backends check in the same order. Every backend runs every row (one is
 * gated on `setAnnotation`): a backend whose own checks run before core's
 * argument checks, or that tests placement before `EEXIST`, fails here.
 *
 * The order is core's call path (`MemoryBackend`): arguments left to right,
 * then state. `linux` records what Linux 6.18 answers for the nearest C call
 * (measured with a native program on x86_64, `TASK_SIZE` as the end of the
 * address space), so where the two agree the row is Linux's order, and where
 * osal departs (a JS value of the wrong shape has no Linux counterpart) the
 * row says so.
 */
export interface BadCallOrderRow {
  /** The method called. */
  readonly call: string;
  /** What is wrong, in words. */
  readonly what: string;
  /** The code every backend gives. */
  readonly code: ErrnoCode;
  /** What Linux answers for the nearest C call, and whether osal agrees. */
  readonly linux: string;
  /** Capabilities the row needs. */
  readonly requires?: Partial<Capabilities>;
  /** Makes the bad call on `os`, from the memory of `f`. */
  readonly invoke: (os: OperatingSystem, f: BadCallFixture) => unknown;
}

/** The memory every row starts from. */
export interface BadCallFixture {
  /** The backend's page size. */
  readonly p: number;
  /** `addressSpaceEnd`. */
  readonly end: number;
  /** A two-page read-write mapping full of a pattern. */
  readonly mapped: number;
  /** A two-page range that was handed out and unmapped. */
  readonly hole: number;
}

const RW = MmapStrategy.DEFAULT;
const NOREPLACE = MmapStrategy.TEST.withReplace(false);
/** A strategy whose protection is not an `MmapProtection` (Linux: a bad `MAP_TYPE`). */
const broken = (): MmapStrategy => ({ ...RW.fields(), prot: "rw" }) as unknown as MmapStrategy;
const badNoReplace = (): MmapStrategy =>
  ({ ...NOREPLACE.fields(), prot: "rw" }) as unknown as MmapStrategy;
const badAnnotation = 42 as unknown as MmapAnnotation;
const badProt = "rw" as unknown as MmapProtection;
const badAdvice = "free" as unknown as MadviseAdvice;

/** The table: call, what is wrong, the one code, Linux's answer. */
export const badCallOrder: readonly BadCallOrderRow[] = [
  {
    call: "dzmmap",
    what: "a range at the end of the address space and a bad strategy",
    code: "ENOMEM",
    linux: "mmap(TASK_SIZE, page, MAP_FIXED, no MAP_TYPE) = ENOMEM: the range first",
    invoke: (os, f) => os.dzmmap(f.end, f.p, broken()),
  },
  {
    call: "dzmmap",
    what: "an unaligned address, a zero size and a bad strategy",
    code: "EINVAL",
    linux: "mmap(TASK_SIZE + 1, 0, MAP_FIXED) = EINVAL",
    invoke: (os, f) => os.dzmmap(f.end + 1, 0, broken()),
  },
  {
    call: "dzmmap",
    what: "the end of the address space and a zero size",
    code: "EINVAL",
    linux: "mmap(TASK_SIZE, 0, MAP_FIXED) = EINVAL: the length before the range",
    invoke: (os, f) => os.dzmmap(f.end, 0, RW),
  },
  {
    call: "dzmmap",
    what: "MAP_FIXED_NOREPLACE over a mapping with a bad strategy",
    code: "EINVAL",
    linux:
      "mmap(mapped, MAP_FIXED_NOREPLACE, no MAP_TYPE) = EEXIST; osal departs: a malformed strategy cannot say whether it replaces",
    invoke: (os, f) => os.dzmmap(f.mapped, 2 * f.p, badNoReplace()),
  },
  {
    call: "dzmmap",
    what: "MAP_FIXED_NOREPLACE over a mapping with a bad annotation",
    code: "EINVAL",
    linux: "no C counterpart (the name is a separate prctl); every argument before state",
    invoke: (os, f) => os.dzmmap(f.mapped, 2 * f.p, NOREPLACE, badAnnotation),
  },
  {
    call: "dzmmap",
    what: "MAP_FIXED_NOREPLACE over a mapping, on any backend",
    code: "EEXIST",
    linux:
      "mmap(mapped, MAP_FIXED_NOREPLACE) = EEXIST: the overlap before whether the backend can place there (ENOTSUP)",
    invoke: (os, f) => os.dzmmap(f.mapped, 2 * f.p, NOREPLACE),
  },
  {
    call: "dzmmapAnywhere",
    what: "a size larger than the address space, a bad alignment and a bad strategy",
    code: "ENOMEM",
    linux: "mmap(NULL, > TASK_SIZE) = ENOMEM: the size first",
    invoke: (os, f) => os.dzmmapAnywhere(f.end + f.p, 3, broken()),
  },
  {
    call: "dzmmapAnywhere",
    what: "a zero size, a bad alignment and a bad strategy",
    code: "EINVAL",
    linux: "mmap(NULL, 0) = EINVAL",
    invoke: (os) => os.dzmmapAnywhere(0, 3, broken()),
  },
  {
    call: "dzmmapPreferred",
    what: "a hint at the end of the address space, a bad alignment and a bad strategy",
    code: "ENOMEM",
    linux: "as dzmmap: the range first",
    invoke: (os, f) => os.dzmmapPreferred(f.end, f.p, 3, broken()),
  },
  {
    call: "dzmmapPreferred",
    what: "an unaligned hint and a bad alignment",
    code: "EINVAL",
    linux: "the address first",
    invoke: (os, f) => os.dzmmapPreferred(f.hole + 1, f.p, 3, RW),
  },
  {
    call: "munmap",
    what: "a range at the end of the address space",
    code: "EINVAL",
    linux: "munmap(TASK_SIZE, page) = EINVAL",
    invoke: (os, f) => os.munmap(f.end, f.p),
  },
  {
    call: "munmap",
    what: "a range crossing the end of the address space",
    code: "EINVAL",
    linux: "munmap(TASK_SIZE - page, 2 pages) = EINVAL",
    invoke: (os, f) => os.munmap(f.end - f.p, 2 * f.p),
  },
  {
    call: "mremap",
    what: "an unmapped old address and a zero new size",
    code: "EINVAL",
    linux: "mremap(hole, page, 0) = EINVAL: the sizes before the lookup (EFAULT)",
    invoke: (os, f) => os.mremap(f.hole, f.p, 0),
  },
  {
    call: "mremap",
    what: "an unmapped old address and options of the wrong shape",
    code: "EINVAL",
    linux: "mremap(hole, page, 2 pages, bad flags) = EINVAL: the flags before the lookup",
    invoke: (os, f) =>
      os.mremap(f.hole, f.p, 2 * f.p, { mayMove: "yes" } as unknown as MremapOptions),
  },
  {
    call: "mremap",
    what: "an unmapped old address and dontUnmap without mayMove",
    code: "EINVAL",
    linux:
      "MREMAP_DONTUNMAP without MREMAP_MAYMOVE = EINVAL, before the lookup and before whether the backend supports it (ENOTSUP)",
    invoke: (os, f) => os.mremap(f.hole, f.p, f.p, { dontUnmap: true }),
  },
  {
    call: "mremap",
    what: "an unmapped old address and an unaligned newAddress",
    code: "EINVAL",
    linux: "MREMAP_FIXED to an unaligned address = EINVAL, before the lookup and before ENOTSUP",
    invoke: (os, f) => os.mremap(f.hole, f.p, f.p, { mayMove: true, newAddress: f.mapped + 1 }),
  },
  {
    call: "mremap",
    what: "an unaligned unmapped old address",
    code: "EINVAL",
    linux: "mremap(hole + 1, page, 2 pages) = EINVAL",
    invoke: (os, f) => os.mremap(f.hole + 1, f.p, 2 * f.p, { mayMove: true }),
  },
  {
    call: "mremap",
    what: "an unmapped old address",
    code: "EFAULT",
    linux: "mremap(hole, page, 2 pages, MREMAP_MAYMOVE) = EFAULT",
    invoke: (os, f) => os.mremap(f.hole, f.p, 2 * f.p, { mayMove: true }),
  },
  {
    call: "setMemoryAccess",
    what: "an unmapped range and a bad protection",
    code: "EINVAL",
    linux: "mprotect(hole, page, bad prot) = EINVAL: the protection before the lookup",
    invoke: (os, f) => os.setMemoryAccess(f.hole, 2 * f.p, badProt),
  },
  {
    call: "setMemoryAccess",
    what: "a range at the end of the address space and a bad protection",
    code: "EINVAL",
    linux: "mprotect(TASK_SIZE, page, bad prot) = EINVAL: nothing is mapped there, found later",
    invoke: (os, f) => os.setMemoryAccess(f.end, f.p, badProt),
  },
  {
    call: "setMemoryAccess",
    what: "a range at the end of the address space",
    code: "ENOMEM",
    linux: "mprotect(TASK_SIZE, page, PROT_NONE) = ENOMEM",
    invoke: (os, f) => os.setMemoryAccess(f.end, f.p, MmapProtection.NoAccess),
  },
  {
    call: "setMemoryAccess",
    what: "an unmapped range",
    code: "ENOMEM",
    linux: "mprotect(hole, page, PROT_NONE) = ENOMEM",
    invoke: (os, f) => os.setMemoryAccess(f.hole, 2 * f.p, MmapProtection.NoAccess),
  },
  {
    call: "madvise",
    what: "an unmapped range and a bad advice",
    code: "EINVAL",
    linux: "madvise(hole, page, 999) = EINVAL: the advice before the lookup",
    invoke: (os, f) => os.madvise(f.hole, 2 * f.p, badAdvice),
  },
  {
    call: "madvise",
    what: "a range at the end of the address space and a bad advice",
    code: "EINVAL",
    linux: "madvise(TASK_SIZE, page, 999) = EINVAL",
    invoke: (os, f) => os.madvise(f.end, f.p, badAdvice),
  },
  {
    call: "madvise",
    what: "an unmapped range",
    code: "ENOMEM",
    linux: "madvise(hole, page, MADV_DONTNEED) = ENOMEM",
    invoke: (os, f) => os.madvise(f.hole, 2 * f.p, "dontneed"),
  },
  {
    call: "setAnnotation",
    what: "an unmapped range and a bad annotation",
    code: "EINVAL",
    linux: "prctl(PR_SET_VMA_ANON_NAME, hole, bad name) = EINVAL: the name before the range",
    requires: { setAnnotation: true },
    invoke: (os, f) => os.setAnnotation(f.hole, 2 * f.p, badAnnotation),
  },
  {
    call: "setAnnotation",
    what: "a range at the end of the address space and a bad annotation",
    code: "EINVAL",
    linux: "as above",
    requires: { setAnnotation: true },
    invoke: (os, f) => os.setAnnotation(f.end, f.p, badAnnotation),
  },
  {
    call: "setAnnotation",
    what: "an unmapped range",
    code: "ENOMEM",
    linux: "prctl(PR_SET_VMA_ANON_NAME, hole) = ENOMEM",
    requires: { setAnnotation: true },
    invoke: (os, f) => os.setAnnotation(f.hole, 2 * f.p, undefined),
  },
  {
    call: "panicIfUnmapped",
    what: "an unmapped range",
    code: "EFAULT",
    linux: "MMTk's panic_if_unmapped; no C call",
    invoke: (os, f) => os.panicIfUnmapped(f.hole, 2 * f.p),
  },
  {
    call: "fill",
    what: "an unmapped address and a fill value of 256",
    code: "EINVAL",
    linux: "no C call: the value before the access (EFAULT)",
    invoke: (os, f) => os.fill(f.hole, 4, 256),
  },
  {
    call: "write",
    what: "an unmapped address and bytes of the wrong type",
    code: "EINVAL",
    linux: "no C call: the arguments before the access (EFAULT)",
    invoke: (os, f) => os.write(f.hole, "bytes" as unknown as Uint8Array),
  },
  {
    call: "read",
    what: "an unmapped address",
    code: "EFAULT",
    linux: "a load from an unmapped page faults",
    invoke: (os, f) => os.read(f.hole, 4),
  },
];

function setUp(os: OperatingSystem): BadCallFixture {
  const p = os.pageSize;
  const mapped = mapPattern(os, 2, 37).start;
  const hole = freeRange(os, 2);
  return { p, end: os.addressSpaceEnd, mapped, hole };
}

/** Every row as a case: set up, call, expect the one code, expect nothing changed. */
export const badCallOrderGroup: ConformanceGroup = {
  title: "bad call order",
  cases: badCallOrder.map(
    (row): ConformanceCase => ({
      name: `${row.call} with ${row.what} fails with ${row.code} on every backend and changes nothing`,
      requires: row.requires,
      run(os) {
        const fixture = setUp(os);
        expectFailsCleanly(os, () => row.invoke(os, fixture), row.code);
      },
    }),
  ),
};
