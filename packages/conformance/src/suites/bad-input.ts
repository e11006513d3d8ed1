import {
  type ErrnoCode,
  type MadviseAdvice,
  MmapProtection,
  MmapStrategy,
  type OperatingSystem,
} from "@osal/core";
import type { ConformanceCase, ConformanceGroup } from "../conformance-case.js";
import { expectFailsCleanly } from "../expectations.js";
import { freeRange, mapPages, mapPattern } from "../fixtures.js";

/**
 * The bad-input matrix: every call with every kind of bad argument, one test
 * each. The expected codes are the ones `@osal/core`'s validators produce
 * (`EINVAL` for malformed values; `ENOMEM` past the end of the address space,
 * `EINVAL` for `munmap`), and each case checks that nothing changed.
 */

/** The memory every matrix case starts from. */
interface Fixture {
  readonly p: number;
  /** `addressSpaceEnd`. */
  readonly end: number;
  /** A two-page read-write mapping full of a pattern. */
  readonly mapped: number;
  /** A two-page range that was handed out and unmapped. */
  readonly free: number;
  /** A strategy this backend accepts at a chosen address (TEST with fixed, else DEFAULT). */
  readonly place: MmapStrategy;
}

interface MatrixRow {
  readonly call: string;
  readonly what: string;
  readonly code: ErrnoCode;
  readonly invoke: (os: OperatingSystem, f: Fixture) => unknown;
}

type Value = (f: Fixture) => number;

const badAddresses = (base: (f: Fixture) => number): [string, Value][] => [
  ["an unaligned address", (f) => base(f) + 1],
  ["a negative address", (f) => -f.p],
  ["a NaN address", () => Number.NaN],
  ["a non-integer address", (f) => base(f) + 0.5],
  ["an infinite address", () => Number.POSITIVE_INFINITY],
];

const badSizes: [string, Value][] = [
  ["an unaligned size", (f) => f.p + 1],
  ["a zero size", () => 0],
  ["a negative size", (f) => -f.p],
  ["a NaN size", () => Number.NaN],
  ["a non-integer size", (f) => f.p + 0.5],
  ["an infinite size", () => Number.POSITIVE_INFINITY],
];

/** `[what, start, size]` ranges reaching past the end of the address space. */
const pastEnd: [string, Value, Value][] = [
  ["a range starting at the end of the address space", (f) => f.end, (f) => f.p],
  ["a range crossing the end of the address space", (f) => f.end - f.p, (f) => 2 * f.p],
  ["a size larger than the address space", (f) => f.mapped, (f) => f.end + f.p],
];

const badAligns: [string, Value][] = [
  ["a zero alignment", () => 0],
  ["an alignment that is not a power of two", (f) => 3 * f.p],
  ["an alignment of 3 bytes", () => 3],
  ["a negative alignment", (f) => -f.p],
  ["a NaN alignment", () => Number.NaN],
  ["a non-integer alignment", (f) => f.p + 0.5],
  ["an infinite alignment", () => Number.POSITIVE_INFINITY],
];

const badStrategies: [string, (f: Fixture) => MmapStrategy][] = [
  ["an unknown protection in the strategy", (f) => broken(f.place, { prot: "rw" })],
  ["an unknown huge page mode in the strategy", (f) => broken(f.place, { hugePage: "Always" })],
  ["a non-boolean replace in the strategy", (f) => broken(f.place, { replace: "yes" })],
  ["a non-boolean reserve in the strategy", (f) => broken(f.place, { reserve: 1 })],
  ["a null strategy", () => null as unknown as MmapStrategy],
];

function broken(strategy: MmapStrategy, change: Record<string, unknown>): MmapStrategy {
  return { ...strategy.fields(), ...change } as unknown as MmapStrategy;
}

const badProtections: [string, unknown][] = [
  ["an unknown protection name", "rw"],
  ["a numeric protection", 3],
  ["an undefined protection", undefined],
  ["a lower-case protection", "readwrite"],
];

const badAdvice: [string, unknown][] = [
  ["an unknown advice", "free"],
  ["an upper-case advice", "DONTNEED"],
  ["a numeric advice", 4],
  ["an undefined advice", undefined],
];

const badAccessAddresses: [string, Value][] = [
  ["a negative address", () => -1],
  ["a NaN address", () => Number.NaN],
  ["a non-integer address", (f) => f.mapped + 0.5],
  ["an infinite address", () => Number.POSITIVE_INFINITY],
];

const badLengths: [string, Value][] = [
  ["a negative length", () => -1],
  ["a NaN length", () => Number.NaN],
  ["a non-integer length", () => 1.5],
  ["an infinite length", () => Number.POSITIVE_INFINITY],
];

const badFillValues: [string, number][] = [
  ["a fill value of 256", 256],
  ["a negative fill value", -1],
  ["a non-integer fill value", 1.5],
  ["a NaN fill value", Number.NaN],
];

/** Rows for a call shaped `(start, size, …)`, with `pastEndCode` for ranges past the end. */
function rangeRows(
  call: string,
  base: (f: Fixture) => number,
  pastEndCode: ErrnoCode,
  invoke: (os: OperatingSystem, f: Fixture, start: number, size: number) => unknown,
): MatrixRow[] {
  return [
    ...badAddresses(base).map(
      ([what, start]): MatrixRow => ({
        call,
        what,
        code: "EINVAL",
        invoke: (os, f) => invoke(os, f, start(f), 2 * f.p),
      }),
    ),
    ...badSizes.map(
      ([what, size]): MatrixRow => ({
        call,
        what,
        code: "EINVAL",
        invoke: (os, f) => invoke(os, f, base(f), size(f)),
      }),
    ),
    ...pastEnd.map(
      ([what, start, size]): MatrixRow => ({
        call,
        what,
        code: pastEndCode,
        invoke: (os, f) => invoke(os, f, start(f), size(f)),
      }),
    ),
  ];
}

const free = (f: Fixture) => f.free;
const mapped = (f: Fixture) => f.mapped;

const rows: MatrixRow[] = [
  // dzmmap(start, size, strategy)
  ...rangeRows("dzmmap", free, "ENOMEM", (os, f, start, size) => os.dzmmap(start, size, f.place)),
  ...badStrategies.map(
    ([what, strategy]): MatrixRow => ({
      call: "dzmmap",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.dzmmap(f.free, 2 * f.p, strategy(f)),
    }),
  ),
  // dzmmapAnywhere(size, align, strategy)
  ...badSizes.map(
    ([what, size]): MatrixRow => ({
      call: "dzmmapAnywhere",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.dzmmapAnywhere(size(f), f.p, MmapStrategy.DEFAULT),
    }),
  ),
  {
    call: "dzmmapAnywhere",
    what: "a size larger than the address space",
    code: "ENOMEM",
    invoke: (os, f) => os.dzmmapAnywhere(f.end + f.p, f.p, MmapStrategy.DEFAULT),
  },
  ...badAligns.map(
    ([what, align]): MatrixRow => ({
      call: "dzmmapAnywhere",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.dzmmapAnywhere(2 * f.p, align(f), MmapStrategy.DEFAULT),
    }),
  ),
  ...badStrategies.map(
    ([what, strategy]): MatrixRow => ({
      call: "dzmmapAnywhere",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.dzmmapAnywhere(2 * f.p, f.p, strategy(f)),
    }),
  ),
  // dzmmapPreferred(start, size, align, strategy)
  ...rangeRows("dzmmapPreferred", free, "ENOMEM", (os, f, start, size) =>
    os.dzmmapPreferred(start, size, f.p, MmapStrategy.DEFAULT),
  ),
  ...badAligns.map(
    ([what, align]): MatrixRow => ({
      call: "dzmmapPreferred",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.dzmmapPreferred(f.free, 2 * f.p, align(f), MmapStrategy.DEFAULT),
    }),
  ),
  ...badStrategies.map(
    ([what, strategy]): MatrixRow => ({
      call: "dzmmapPreferred",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.dzmmapPreferred(f.free, 2 * f.p, f.p, strategy(f)),
    }),
  ),
  // munmap(start, size)
  ...rangeRows("munmap", mapped, "EINVAL", (os, _f, start, size) => os.munmap(start, size)),
  // mremap(start, oldSize, newSize, { mayMove })
  ...rangeRows("mremap", mapped, "ENOMEM", (os, f, start, oldSize) =>
    os.mremap(start, oldSize, 3 * f.p, { mayMove: true }),
  ),
  ...badSizes.map(
    ([what, size]): MatrixRow => ({
      call: "mremap",
      what: `${what.replace("size", "new size")}`,
      code: "EINVAL",
      invoke: (os, f) => os.mremap(f.mapped, 2 * f.p, size(f), { mayMove: true }),
    }),
  ),
  {
    call: "mremap",
    what: "a new size larger than the address space",
    code: "ENOMEM",
    invoke: (os, f) => os.mremap(f.mapped, 2 * f.p, f.end + f.p, { mayMove: true }),
  },
  // setMemoryAccess(start, size, prot)
  ...rangeRows("setMemoryAccess", mapped, "ENOMEM", (os, _f, start, size) =>
    os.setMemoryAccess(start, size, MmapProtection.NoAccess),
  ),
  ...badProtections.map(
    ([what, prot]): MatrixRow => ({
      call: "setMemoryAccess",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.setMemoryAccess(f.mapped, 2 * f.p, prot as MmapProtection),
    }),
  ),
  // madvise(start, size, advice)
  ...rangeRows("madvise", mapped, "ENOMEM", (os, _f, start, size) =>
    os.madvise(start, size, "dontneed"),
  ),
  ...badAdvice.map(
    ([what, advice]): MatrixRow => ({
      call: "madvise",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.madvise(f.mapped, 2 * f.p, advice as MadviseAdvice),
    }),
  ),
  // read(address, length), write(address, bytes), fill(address, length, value)
  ...badAccessAddresses.map(
    ([what, address]): MatrixRow => ({
      call: "read",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.read(address(f), 4),
    }),
  ),
  ...badLengths.map(
    ([what, length]): MatrixRow => ({
      call: "read",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.read(f.mapped, length(f)),
    }),
  ),
  ...badAccessAddresses.map(
    ([what, address]): MatrixRow => ({
      call: "write",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.write(address(f), new Uint8Array([1, 2, 3, 4])),
    }),
  ),
  ...badAccessAddresses.map(
    ([what, address]): MatrixRow => ({
      call: "fill",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.fill(address(f), 4, 1),
    }),
  ),
  ...badLengths.map(
    ([what, length]): MatrixRow => ({
      call: "fill",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.fill(f.mapped, length(f), 1),
    }),
  ),
  ...badFillValues.map(
    ([what, value]): MatrixRow => ({
      call: "fill",
      what,
      code: "EINVAL",
      invoke: (os, f) => os.fill(f.mapped, 4, value),
    }),
  ),
];

function setUp(os: OperatingSystem): Fixture {
  const p = os.pageSize;
  const mapped = mapPattern(os, 2, 91).start;
  mapPages(os, 1, MmapStrategy.QUARANTINE);
  const free = freeRange(os, 2);
  const place = os.capabilities.fixed ? MmapStrategy.TEST : MmapStrategy.DEFAULT;
  return { p, end: os.addressSpaceEnd, mapped, free, place };
}

/** Every row as a case: set up, call, expect the code, expect nothing changed. */
export const badInputGroup: ConformanceGroup = {
  title: "bad input",
  cases: rows.map(
    (row): ConformanceCase => ({
      name: `${row.call} with ${row.what} fails with ${row.code} and changes nothing`,
      run(os) {
        const fixture = setUp(os);
        expectFailsCleanly(os, () => row.invoke(os, fixture), row.code);
      },
    }),
  ),
};

/** How many rows the matrix has (for documentation and the suite's own tests). */
export const badInputCaseCount = rows.length;
