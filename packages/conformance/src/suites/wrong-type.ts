import {
  type ErrnoCode,
  MmapAnnotation,
  MmapError,
  MmapProtection,
  MmapStrategy,
  type OperatingSystem,
  OSError,
} from "@osal/core";
import { expect } from "vitest";
import type { ConformanceCase, ConformanceGroup } from "../conformance-case.js";
import { describeError, expectUnchanged } from "../expectations.js";
import { freeRange, mapPattern } from "../fixtures.js";
import { snapshotMemory } from "../snapshot.js";

/**
 * The wrong-type matrix: every method × every argument × a value of every JS
 * type (and, for the object arguments, every wrong shape), the other arguments
 * valid. Each cell must throw `EINVAL` (an `MmapError` for memory calls, an
 * `OSError` for the process calls) and change no mapping or byte. One case per
 * method and argument runs all its values on one instance, taking a snapshot
 * before and after each: a cell that changed something is caught there.
 */

/** The memory every case starts from. */
interface Fixture {
  readonly p: number;
  /** A two-page read-write mapping full of a pattern. */
  readonly mapped: number;
  /** A two-page range that was handed out and unmapped. */
  readonly free: number;
  /** A strategy this backend accepts at a chosen address (TEST with fixed, else DEFAULT). */
  readonly place: MmapStrategy;
}

/** A method with valid arguments, so one argument at a time can be made wrong. */
interface Method {
  readonly name: string;
  /** Memory calls throw `MmapError`; process calls `OSError`. */
  readonly process?: boolean;
  readonly args: (f: Fixture) => unknown[];
  /** Parameter names, in order. */
  readonly params: readonly string[];
  /** Per parameter: values of another JS type that are valid there (skipped). */
  readonly accepts?: Readonly<Record<string, (value: unknown) => boolean>>;
  /** Per parameter: wrong shapes of the right JS type, besides the type matrix. */
  readonly shapes?: Readonly<Record<string, (f: Fixture) => [string, unknown][]>>;
}

const isAbsent = (value: unknown) => value === undefined;
const isEmptyObject = (value: unknown) =>
  typeof value === "object" &&
  value !== null &&
  Object.getPrototypeOf(value) === Object.prototype &&
  Object.keys(value).length === 0;

/** A value of each JS type, derived from the valid value `v` where that makes it tempting. */
function valuesOfEveryType(v: unknown): [string, unknown][] {
  const numeric = typeof v === "number";
  const all: [string, unknown][] = [
    ["null", null],
    ["undefined", undefined],
    ["a string", numeric ? String(v) : typeof v === "string" ? `${v.toLowerCase()}?` : "ReadWrite"],
    ["a number", 1],
    ["a bigint", numeric ? BigInt(v as number) : 1n],
    ["a boolean", true],
    ["a symbol", Symbol("osal")],
    ["an array", numeric ? [v] : [1, 2, 3, 4]],
    ["a plain object", numeric ? { valueOf: () => v } : {}],
    ["a boxed primitive", Object(numeric ? v : "ReadWrite")],
    ["a Uint8Array", new Uint8Array(4)],
    ["a Uint8ClampedArray", new Uint8ClampedArray(4)],
    ["an Int8Array", new Int8Array(4)],
    ["a Uint16Array", new Uint16Array(4)],
    ["a Float64Array", new Float64Array(4)],
    ["a BigInt64Array", new BigInt64Array(4)],
    ["an ArrayBuffer", new ArrayBuffer(4)],
    ["a DataView", new DataView(new ArrayBuffer(4))],
    ["a function", () => v],
    ["a class instance", new Date(0)],
  ];
  // The valid value's own type is the baseline, not a wrong type.
  return all.filter(([, value]) => !sameKind(value, v));
}

function sameKind(value: unknown, valid: unknown): boolean {
  if (typeof valid === "number") return typeof value === "number";
  if (valid instanceof Uint8Array) return value instanceof Uint8Array;
  return false;
}

const annotationShapes = (): [string, unknown][] => [
  ["an annotation without its name", { kind: "space" }],
  ["an annotation with a numeric name", { kind: "misc", name: 7 }],
  ["an annotation of an unknown kind", { kind: "heap", name: "x" }],
  ["a test annotation with a fractional line", { kind: "test", file: "a.ts", line: 1.5 }],
  ["a sidemeta annotation without meta", { kind: "sidemeta", space: "immix" }],
  [
    "an annotation with a getter name",
    {
      kind: "misc",
      get name() {
        return "x";
      },
    },
  ],
];

const strategyShapes = (f: Fixture): [string, unknown][] => [
  ["an empty object as strategy", {}],
  ["a non-boolean uninitialized", { ...f.place.fields(), uninitialized: "yes" }],
  ["a null prot", { ...f.place.fields(), prot: null }],
  [
    "a strategy with a getter prot",
    {
      ...f.place.fields(),
      get prot() {
        return "ReadWrite";
      },
    },
  ],
];

const optionShapes = (): [string, unknown][] => [
  ["a string mayMove", { mayMove: "yes" }],
  ["a numeric mayMove", { mayMove: 1 }],
  ["a null mayMove", { mayMove: null }],
  ["a string dontUnmap", { mayMove: true, dontUnmap: "yes" }],
  ["a string newAddress", { mayMove: true, newAddress: "4096" }],
  ["a bigint newAddress", { mayMove: true, newAddress: 4096n }],
  ["an unknown option", { mayMove: true, moveAnywhere: true }],
  [
    "a getter mayMove",
    {
      get mayMove() {
        return true;
      },
    },
  ],
];

const methods: Method[] = [
  {
    name: "dzmmap",
    params: ["start", "size", "strategy", "annotation"],
    args: (f) => [f.free, 2 * f.p, f.place, MmapAnnotation.misc("wrong-type")],
    accepts: { annotation: isAbsent },
    shapes: { strategy: strategyShapes, annotation: annotationShapes },
  },
  {
    name: "dzmmapAnywhere",
    params: ["size", "align", "strategy", "annotation"],
    args: (f) => [2 * f.p, f.p, MmapStrategy.DEFAULT, MmapAnnotation.misc("wrong-type")],
    accepts: { annotation: isAbsent },
    shapes: { strategy: strategyShapes, annotation: annotationShapes },
  },
  {
    name: "dzmmapPreferred",
    params: ["start", "size", "align", "strategy", "annotation"],
    args: (f) => [f.free, 2 * f.p, f.p, MmapStrategy.DEFAULT, MmapAnnotation.misc("wrong-type")],
    accepts: { annotation: isAbsent },
    shapes: { strategy: strategyShapes, annotation: annotationShapes },
  },
  { name: "munmap", params: ["start", "size"], args: (f) => [f.mapped, 2 * f.p] },
  {
    name: "mremap",
    params: ["start", "oldSize", "newSize", "options"],
    args: (f) => [f.mapped, 2 * f.p, 3 * f.p, { mayMove: true }],
    accepts: { options: (value) => isAbsent(value) || isEmptyObject(value) },
    shapes: { options: optionShapes },
  },
  {
    name: "setMemoryAccess",
    params: ["start", "size", "prot"],
    args: (f) => [f.mapped, 2 * f.p, MmapProtection.NoAccess],
  },
  {
    name: "madvise",
    params: ["start", "size", "advice"],
    args: (f) => [f.mapped, 2 * f.p, "dontneed"],
  },
  {
    name: "setAnnotation",
    params: ["start", "size", "annotation"],
    args: (f) => [f.mapped, 2 * f.p, MmapAnnotation.misc("renamed")],
    accepts: { annotation: isAbsent },
    shapes: { annotation: annotationShapes },
  },
  { name: "panicIfUnmapped", params: ["start", "size"], args: (f) => [f.mapped, 2 * f.p] },
  { name: "read", params: ["address", "length"], args: (f) => [f.mapped, 4] },
  {
    name: "write",
    params: ["address", "bytes"],
    args: (f) => [f.mapped, new Uint8Array([9, 8, 7, 6])],
  },
  { name: "fill", params: ["address", "length", "value"], args: (f) => [f.mapped, 4, 0xee] },
  { name: "bindCurrentThreadToCore", process: true, params: ["core"], args: () => [0] },
  {
    name: "bindCurrentThreadToCpuset",
    process: true,
    params: ["cores"],
    args: () => [[0]],
    accepts: {
      cores: (value) => Array.isArray(value) && value.every((core) => typeof core === "number"),
    },
    shapes: {
      cores: () => [
        ["an empty core list", []],
        ["a core list of strings", ["0"]],
      ],
    },
  },
];

/** One argument's wrong values, as `[label, value]` pairs. */
function wrongValues(method: Method, index: number, f: Fixture): [string, unknown][] {
  const param = method.params[index]!;
  const valid = method.args(f)[index];
  const accepts = method.accepts?.[param];
  const typed = valuesOfEveryType(valid).filter(([, value]) => !accepts?.(value));
  return [...typed, ...(method.shapes?.[param]?.(f) ?? [])];
}

function setUp(os: OperatingSystem): Fixture {
  const p = os.pageSize;
  const mapped = mapPattern(os, 2, 57).start;
  const free = freeRange(os, 2);
  const place = os.capabilities.fixed ? MmapStrategy.TEST : MmapStrategy.DEFAULT;
  return { p, mapped, free, place };
}

/** Calls `method` with argument `index` replaced by `value`; returns what it threw. */
function callWith(os: OperatingSystem, method: Method, f: Fixture, index: number, value: unknown) {
  const args = method.args(f);
  args[index] = value;
  const fn = (os as unknown as Record<string, (...a: unknown[]) => unknown>)[method.name]!;
  try {
    fn.apply(os, args);
  } catch (error) {
    return error;
  }
  return undefined;
}

function expectInvalid(method: Method, label: string, param: string, error: unknown): void {
  const code: ErrnoCode = "EINVAL";
  const what = `${method.name} with ${label} as ${param}`;
  const ok = method.process
    ? error instanceof OSError && error.code === code
    : error instanceof MmapError && error.code === code;
  expect(
    ok ? "EINVAL" : error === undefined ? "returned normally" : describeError(error),
    what,
  ).toBe("EINVAL");
}

const cases: ConformanceCase[] = methods.flatMap((method) =>
  method.params.map(
    (param, index): ConformanceCase => ({
      name: `${method.name}: every wrong type or shape of ${param} fails with EINVAL and changes nothing`,
      run(os) {
        const f = setUp(os);
        for (const [label, value] of wrongValues(method, index, f)) {
          const before = snapshotMemory(os);
          expectInvalid(method, label, param, callWith(os, method, f, index, value));
          expectUnchanged(os, before);
        }
      },
    }),
  ),
);

/** `isMmapOom` answers `false`, never throws, for a value of every type. */
const oomCase: ConformanceCase = {
  name: "isMmapOom: a value of any type is not an out-of-memory error",
  run(os) {
    for (const [label, value] of valuesOfEveryType(undefined)) {
      expect(os.isMmapOom(value), `isMmapOom(${label})`).toBe(false);
    }
  },
};

/** The wrong-type matrix as conformance cases. */
export const wrongTypeGroup: ConformanceGroup = {
  title: "wrong types",
  cases: [...cases, oomCase],
};

/** The number of cells of the matrix (wrong calls made per backend), for reports. */
export function wrongTypeCellCount(): number {
  const f: Fixture = { p: 4096, mapped: 0x10000, free: 0x20000, place: MmapStrategy.TEST };
  return methods.reduce(
    (sum, method) =>
      sum + method.params.reduce((n, _param, index) => n + wrongValues(method, index, f).length, 0),
    0,
  );
}
