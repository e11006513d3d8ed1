import { alignUp, GiB, MiB } from "./address.js";
import { currentByteLength } from "./current-buffer.js";
import { MmapError } from "./errors.js";
import { type LinearMemory, WASM_PAGE_SIZE } from "./linear-memory.js";
import { growMemoryPages } from "./memory64.js";

/**
 * How far a linear-memory backend grows its memory past what a call needs.
 * `memory.grow` on a non-shared memory costs per call, not per byte: V8 counts
 * the new buffer's whole length as external memory while the detached old one
 * is still counted, so once the memory passes about 64 MiB most grows start a
 * mark-compact, and past half the JS heap limit (about 2 GiB on a 4 GiB heap)
 * every grow forces a memory-reducing full collection (5–40 ms each). Growing
 * one page at a time makes growth the slowest thing a backend does. A growth grows to at least `current + step`, with
 * `step = clamp(current × ratio, minimumStep, maximumStep)` below `doublingFrom`
 * and `step = current` (the size doubles) from there on:
 *   - exact growth (the old behaviour): `{ ratio: 0, minimumStep: 0, maximumStep: 0,
 *     doublingFrom: Infinity }`;
 *   - a fixed granule `g`: `{ ratio: 0, minimumStep: g, maximumStep: g }`;
 *   - geometric with a floor and a cap: `ratio > 0`.
 * What is grown ahead is the backend's, free and known zero: never zeroed when
 * handed out. The footprint cost is at most one step past what was needed.
 */
export interface GrowthPolicy {
  /** Fraction of the memory's current size grown ahead (0 to 4). */
  readonly ratio: number;
  /** Least step in bytes (a multiple of 64 KiB). */
  readonly minimumStep: number;
  /** Most step in bytes (a multiple of 64 KiB, at least `minimumStep`, at most 4 GiB). */
  readonly maximumStep: number;
  /**
   * From this size in bytes on, each growth doubles the memory (clipped at its
   * limit) whatever `ratio` and `maximumStep` say: past it every `memory.grow` on
   * a non-shared memory costs a full garbage collection in V8, so the calls made
   * there must be few (Note [Growth policy] in the page manager's page-source.ts).
   * A multiple of 64 KiB, or `Infinity` (never; also what leaving it out means).
   * `resolveGrowthPolicy` completes it to 512 MiB, or to `Infinity` when the
   * partial policy gives its own `maximumStep`.
   */
  readonly doublingFrom?: number;
}

/** Growth by exactly what is missing: one `memory.grow` per call that reaches the end. */
export const EXACT_GROWTH: GrowthPolicy = Object.freeze({
  ratio: 0,
  minimumStep: 0,
  maximumStep: 0,
  doublingFrom: Number.POSITIVE_INFINITY,
});

/** Where the default policy starts doubling (see {@link GrowthPolicy.doublingFrom}). */
const DEFAULT_DOUBLING_FROM = 512 * MiB;

/**
 * The default policy of the linear-memory backends, chosen by measurement (the
 * page manager's Note [Growth policy] gives the candidates and their numbers):
 * an eighth of the current size, at least 1 MiB and at most 64 MiB, ahead; from
 * 512 MiB on, the size doubles (clipped at the memory's maximum).
 */
export const DEFAULT_GROWTH: GrowthPolicy = Object.freeze({
  ratio: 1 / 8,
  minimumStep: MiB,
  maximumStep: 64 * MiB,
  doublingFrom: DEFAULT_DOUBLING_FROM,
});

/**
 * A backend's `growth` option checked: `"exact"` is {@link EXACT_GROWTH}, a
 * partial policy is completed from {@link DEFAULT_GROWTH}, `undefined` is the
 * default. `EINVAL` on anything else (nothing created).
 */
export function resolveGrowthPolicy(
  option: GrowthPolicy | "exact" | Partial<GrowthPolicy> | undefined,
): GrowthPolicy {
  if (option === undefined) return DEFAULT_GROWTH;
  if (option === "exact") return EXACT_GROWTH;
  if (typeof option !== "object" || option === null)
    invalid('growth must be "exact" or { ratio, minimumStep, maximumStep, doublingFrom }');
  const ratio = option.ratio ?? DEFAULT_GROWTH.ratio;
  const minimumStep =
    option.minimumStep ?? Math.min(DEFAULT_GROWTH.minimumStep, option.maximumStep ?? Infinity);
  const maximumStep = option.maximumStep ?? Math.max(DEFAULT_GROWTH.maximumStep, minimumStep);
  // A caller who caps the step means the cap: no doubling unless asked for.
  const doublingFrom =
    option.doublingFrom ??
    (option.maximumStep === undefined ? DEFAULT_DOUBLING_FROM : Number.POSITIVE_INFINITY);
  if (typeof ratio !== "number" || !(ratio >= 0 && ratio <= 4)) {
    invalid(`growth.ratio ${String(ratio)} must be a number from 0 to 4`);
  }
  for (const [name, value] of [
    ["minimumStep", minimumStep],
    ["maximumStep", maximumStep],
  ] as const) {
    if (
      !Number.isSafeInteger(value) ||
      value < 0 ||
      value % WASM_PAGE_SIZE !== 0 ||
      value > 4 * GiB
    ) {
      invalid(`growth.${name} ${String(value)} must be a multiple of 64 KiB from 0 to 4 GiB`);
    }
  }
  if (minimumStep > maximumStep) {
    invalid(`growth.minimumStep ${minimumStep} is above growth.maximumStep ${maximumStep}`);
  }
  if (
    doublingFrom !== Number.POSITIVE_INFINITY &&
    (!Number.isSafeInteger(doublingFrom) || doublingFrom < 0 || doublingFrom % WASM_PAGE_SIZE !== 0)
  ) {
    invalid(`growth.doublingFrom ${String(doublingFrom)} must be a multiple of 64 KiB or Infinity`);
  }
  return Object.freeze({ ratio, minimumStep, maximumStep, doublingFrom });
}

/**
 * The end, in bytes, to grow the memory to when it is `currentBytes` long and a
 * call needs it to reach `neededBytes`: at least `neededBytes` and at most one
 * step past it, a multiple of `unit` (a power of two, 64 KiB or more, or the
 * caller's page), never past `limitBytes` (the last step is clipped there;
 * `neededBytes` itself is returned, rounded to `unit`, when it is past it).
 */
export function growthTarget(
  policy: GrowthPolicy,
  currentBytes: number,
  neededBytes: number,
  limitBytes: number,
  unit: number,
): number {
  const needed = alignUp(neededBytes, unit);
  const step = growthStep(policy, currentBytes);
  const ahead = alignUp(Math.ceil(currentBytes + step), unit);
  const limit = Math.floor(limitBytes / unit) * unit;
  return Math.max(needed, Math.min(ahead, limit));
}

/**
 * How far past its current size `currentBytes` a growth under `policy` goes:
 * `clamp(currentBytes × ratio, minimumStep, maximumStep)`, or `currentBytes`
 * itself from `doublingFrom` on.
 */
export function growthStep(policy: GrowthPolicy, currentBytes: number): number {
  if (currentBytes >= (policy.doublingFrom ?? Number.POSITIVE_INFINITY)) return currentBytes;
  return Math.min(Math.max(currentBytes * policy.ratio, policy.minimumStep), policy.maximumStep);
}

/** What {@link growLinearMemory} grew: the memory's size before, and its end after, in bytes. */
export interface Growth {
  /** The memory's size when the grow happened (another party may have grown it since it was read). */
  readonly oldBytes: number;
  /** The end of what this growth added. */
  readonly endBytes: number;
}

/**
 * Grows `memory` so that it reaches at least `neededBytes`, by the step
 * `policy` gives (see {@link growthTarget}); when growing the whole step fails
 * (the host refuses that much), grows by exactly what is missing instead.
 * Returns `undefined` when the memory already reaches `neededBytes`; throws what
 * `memory.grow` threw when even the exact amount fails (nothing grown).
 */
export function growLinearMemory(
  memory: LinearMemory,
  policy: GrowthPolicy,
  neededBytes: number,
  limitBytes: number,
  unit: number = WASM_PAGE_SIZE,
): Growth | undefined {
  const current = currentByteLength(memory);
  if (neededBytes <= current) return undefined;
  const exact = alignUp(neededBytes - current, WASM_PAGE_SIZE) / WASM_PAGE_SIZE;
  const target = growthTarget(policy, current, neededBytes, limitBytes, unit);
  const full = alignUp(target - current, WASM_PAGE_SIZE) / WASM_PAGE_SIZE;
  if (full > exact) {
    try {
      return grown(growMemoryPages(memory, full), full);
    } catch {
      // The host refused the whole step (its own limit, or address space): fall back.
    }
  }
  return grown(growMemoryPages(memory, exact), exact);
}

function grown(oldPages: number, delta: number): Growth {
  return { oldBytes: oldPages * WASM_PAGE_SIZE, endBytes: (oldPages + delta) * WASM_PAGE_SIZE };
}

function invalid(detail: string): never {
  throw new MmapError({ code: "EINVAL", syscall: "mmap", detail });
}
