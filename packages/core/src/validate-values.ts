import type { MmapAnnotation } from "./annotation.js";
import { MmapError, type OSCall } from "./errors.js";
import { HugePageSupport, MmapProtection } from "./protection.js";
import { MmapStrategy } from "./strategy.js";
import { isByteCount } from "./validate.js";

/**
 * Checks of the JS type and shape of the non-numeric arguments: annotations,
 * strategies, `mremap` options and byte arrays. Every one throws `EINVAL` for a
 * value of the wrong kind, before a backend changes anything, and returns a
 * value the backend can keep: a frozen copy read once from the caller's object,
 * or the caller's own object when it is already known to be immutable and valid
 * (so the common case allocates nothing). A getter that answers one thing now
 * and another later, or an object mutated after the call, cannot reach a
 * backend's tables.
 */

/** Where an `EINVAL` about a value is reported: the call and its range. */
interface Place {
  readonly call: OSCall;
  readonly start?: number | undefined;
  readonly size?: number | undefined;
}

function invalid(place: Place, detail: string, annotation?: MmapAnnotation): MmapError {
  return new MmapError({
    code: "EINVAL",
    syscall: place.call,
    address: isByteCount(place.start) ? place.start : undefined,
    size: isByteCount(place.size) ? place.size : undefined,
    annotation,
    detail,
  });
}

/**
 * True for an object whose prototype is `Object.prototype` (of any realm) or
 * `null`: an object literal, not an array, a class instance, a boxed primitive or a
 * function.
 */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value) as object | null;
  return proto === null || Object.getPrototypeOf(proto) === null;
}

const typedArrayTag = Object.getOwnPropertyDescriptor(
  Object.getPrototypeOf(Uint8Array.prototype) as object,
  Symbol.toStringTag,
)?.get as (this: unknown) => string | undefined;

/**
 * True for a `Uint8Array` (or subclass such as Node's `Buffer`), from any realm.
 * Asks the engine's own typed-array tag, so neither another typed array kind
 * (`Uint8ClampedArray`, `Int8Array`, …) nor an object faking `Symbol.toStringTag`
 * passes.
 */
export function isUint8Array(value: unknown): value is Uint8Array {
  return typedArrayTag.call(value) === "Uint8Array";
}

/** Annotations already checked and known not to change (frozen data properties). */
const trustedAnnotations = new WeakSet<object>();
/** The annotation most recently trusted (calls in a row usually share one). */
let lastAnnotation: object | undefined;

const annotationFields: Readonly<Record<MmapAnnotation["kind"], readonly string[]>> = {
  space: ["name"],
  sidemeta: ["space", "meta"],
  test: ["file", "line"],
  misc: ["name"],
};

/**
 * Reads an annotation argument once: `undefined` (none) or an
 * {@link MmapAnnotation}, an object with a known `kind` and the fields of that
 * kind (strings; a `test` annotation's `line` a non-negative integer). Anything
 * else, `null` included, throws `EINVAL`. Returns an immutable annotation the
 * backend may keep.
 */
export function checkAnnotation(
  call: OSCall,
  annotation: unknown,
  start?: number,
  size?: number,
): MmapAnnotation | undefined {
  if (annotation === undefined) return undefined;
  if (annotation === lastAnnotation) return annotation as MmapAnnotation;
  if (typeof annotation === "object" && annotation !== null && trustedAnnotations.has(annotation)) {
    lastAnnotation = annotation;
    return annotation as MmapAnnotation;
  }
  const read = readAnnotation(annotation);
  if (read === undefined) {
    throw invalid({ call, start, size }, `not an MmapAnnotation: ${describeValue(annotation)}`);
  }
  const trusted = read.frozenOriginal ? (annotation as MmapAnnotation) : read.copy;
  trustedAnnotations.add(trusted);
  lastAnnotation = trusted;
  return trusted;
}

/** True when `value` is `undefined` or a well-formed {@link MmapAnnotation}. */
export function isAnnotation(value: unknown): value is MmapAnnotation | undefined {
  return (
    value === undefined ||
    value === lastAnnotation ||
    (typeof value === "object" && value !== null && trustedAnnotations.has(value)) ||
    readAnnotation(value) !== undefined
  );
}

function readAnnotation(
  value: unknown,
): { copy: MmapAnnotation; frozenOriginal: boolean } | undefined {
  if (!isPlainObject(value)) return undefined;
  const kind = dataField(value, "kind");
  if (typeof kind !== "string" || !Object.hasOwn(annotationFields, kind)) return undefined;
  const names = annotationFields[kind as MmapAnnotation["kind"]];
  const copy: Record<string, unknown> = { kind };
  for (const name of names) {
    const field = dataField(value, name);
    const ok =
      name === "line"
        ? typeof field === "number" && Number.isSafeInteger(field) && field >= 0
        : typeof field === "string";
    if (!ok) return undefined;
    copy[name] = field;
  }
  const frozenOriginal =
    Object.isFrozen(value) && names.every((name) => Object.hasOwn(value, name));
  return { copy: Object.freeze(copy) as unknown as MmapAnnotation, frozenOriginal };
}

/**
 * The value of a plain data property (own or inherited), `undefined` for an
 * accessor: a getter could answer differently the next time it is read.
 */
function dataField(object: object, name: string): unknown {
  let holder: object | null = object;
  while (holder !== null) {
    const descriptor = Object.getOwnPropertyDescriptor(holder, name);
    if (descriptor) return "value" in descriptor ? descriptor.value : undefined;
    holder = Object.getPrototypeOf(holder) as object | null;
  }
  return undefined;
}

/** Strategies already checked: constructed `MmapStrategy` values, frozen with data fields. */
const trustedStrategies = new WeakSet<object>();
/** The strategy most recently trusted (calls in a row usually share one). */
let lastStrategy: object | undefined;

const protections: readonly unknown[] = Object.values(MmapProtection);
const hugePageModes: readonly unknown[] = Object.values(HugePageSupport);

/**
 * Reads a strategy argument once: an {@link MmapStrategy}, or an object of the
 * same shape (`hugePage` a {@link HugePageSupport}, `prot` an
 * {@link MmapProtection}, `replace` and `reserve` booleans, `uninitialized` a
 * boolean or absent). Anything else throws `EINVAL`. Returns an immutable
 * `MmapStrategy`: the argument itself when it is one the constructor made.
 */
export function validStrategy(
  call: OSCall,
  strategy: unknown,
  start?: number,
  size?: number,
  annotation?: MmapAnnotation,
): MmapStrategy {
  if (strategy === lastStrategy) return strategy as MmapStrategy;
  if (typeof strategy === "object" && strategy !== null && trustedStrategies.has(strategy)) {
    lastStrategy = strategy;
    return strategy as MmapStrategy;
  }
  const fields =
    typeof strategy === "object" && strategy !== null && !Array.isArray(strategy)
      ? {
          hugePage: dataField(strategy, "hugePage"),
          prot: dataField(strategy, "prot"),
          replace: dataField(strategy, "replace"),
          reserve: dataField(strategy, "reserve"),
          uninitialized: absentAsFalse(dataField(strategy, "uninitialized")),
        }
      : undefined;
  const valid =
    fields !== undefined &&
    hugePageModes.includes(fields.hugePage) &&
    protections.includes(fields.prot) &&
    typeof fields.replace === "boolean" &&
    typeof fields.reserve === "boolean" &&
    typeof fields.uninitialized === "boolean";
  if (!valid) {
    throw invalid(
      { call, start, size },
      `invalid MmapStrategy: ${describeValue(strategy)}`,
      annotation,
    );
  }
  const constructed =
    strategy instanceof MmapStrategy &&
    Object.getPrototypeOf(strategy) === MmapStrategy.prototype &&
    Object.isFrozen(strategy) &&
    Object.hasOwn(strategy, "prot");
  const trusted = constructed
    ? strategy
    : new MmapStrategy(fields as unknown as ConstructorParameters<typeof MmapStrategy>[0]);
  trustedStrategies.add(trusted);
  lastStrategy = trusted;
  return trusted;
}

function absentAsFalse(value: unknown): unknown {
  return value === undefined ? false : value;
}

/** `mremap` options as a backend uses them: read once, every field decided. */
export interface CheckedRemapOptions {
  /** `MREMAP_MAYMOVE`. */
  readonly mayMove: boolean;
  /** `MREMAP_DONTUNMAP`. */
  readonly dontUnmap: boolean;
  /** `MREMAP_FIXED`'s address, or `undefined`. */
  readonly newAddress: number | undefined;
}

const NO_OPTIONS: CheckedRemapOptions = Object.freeze({
  mayMove: false,
  dontUnmap: false,
  newAddress: undefined,
});

const optionNames = new Set(["mayMove", "dontUnmap", "newAddress"]);

/**
 * Reads `mremap` options once: `undefined` or a plain object whose `mayMove` and
 * `dontUnmap` are booleans or absent and whose `newAddress` is a number or
 * absent. Anything else (`null`, `1`, `{ mayMove: "yes" }`, an array, a getter)
 * throws `EINVAL`; so does a property osal does not know, which would otherwise be
 * silently ignored. Linux's rules for the flags are {@link checkRemapOptions}'.
 */
export function readRemapOptions(
  options: unknown,
  start?: number,
  size?: number,
): CheckedRemapOptions {
  if (options === undefined) return NO_OPTIONS;
  const place: Place = { call: "mremap", start, size };
  if (!isPlainObject(options)) {
    throw invalid(place, `options must be a plain object: ${describeValue(options)}`);
  }
  for (const key of Reflect.ownKeys(options)) {
    if (typeof key !== "string" || !optionNames.has(key)) {
      throw invalid(place, `unknown mremap option ${String(key)}`);
    }
    const descriptor = Object.getOwnPropertyDescriptor(options, key);
    if (descriptor && !("value" in descriptor)) {
      throw invalid(place, `mremap option ${key} is an accessor`);
    }
  }
  const mayMove = options.mayMove === undefined ? false : options.mayMove;
  const dontUnmap = options.dontUnmap === undefined ? false : options.dontUnmap;
  const newAddress = options.newAddress;
  if (typeof mayMove !== "boolean" || typeof dontUnmap !== "boolean") {
    throw invalid(place, "mremap options mayMove and dontUnmap must be booleans");
  }
  if (newAddress !== undefined && typeof newAddress !== "number") {
    throw invalid(place, `mremap option newAddress must be a number: ${describeValue(newAddress)}`);
  }
  if (!mayMove && !dontUnmap && newAddress === undefined) return NO_OPTIONS;
  return Object.freeze({ mayMove, dontUnmap, newAddress });
}

/**
 * Throws `EINVAL` unless `bytes` is a `Uint8Array` (a `Buffer` is one; other
 * typed arrays, plain arrays and strings are not).
 */
export function checkBytes(address: unknown, bytes: unknown): asserts bytes is Uint8Array {
  if (!isUint8Array(bytes)) {
    throw invalid(
      { call: "write", start: address as number },
      `bytes must be a Uint8Array: ${describeValue(bytes)}`,
    );
  }
}

/** A short description of a value of any JS type, for error messages (never throws). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    case "bigint":
      return `${value}n`;
    case "symbol":
      return value.toString();
    case "function":
      return "a function";
    case "object": {
      if (Array.isArray(value)) return "an array";
      const tag = typedArrayTag.call(value);
      if (tag) return `a ${tag}`;
      return isPlainObject(value) ? "an object" : "a class instance";
    }
    default:
      return String(value);
  }
}
