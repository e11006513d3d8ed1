import {
  createLinearMemory,
  declaredMaximumBytes,
  defaultMaximumBytes,
  EXACT_GROWTH,
  type GrowthPolicy,
  invalidOption,
  isLinearMemory,
  isPowerOfTwo,
  isSharedMemory,
  type LinearMemory,
  MiB,
  type MmapError,
  maximumBytesLimit,
  resolveGrowthPolicy,
  WASM_PAGE_SIZE,
  WASM32_MAX_BYTES,
} from "@osal/core";
import { type SbrkFunction, SharedState } from "@osal/linear-memory";
import { FREE_RUNS_LAYOUT, type FreeRuns } from "./free-runs.js";

/** Options of `createGhcMegablock`. */
export interface GhcMegablockOptions {
  /**
   * The linear memory to allocate from, typically a wasm guest's exported
   * memory. Pages already in it, and pages anyone else grows later, are never
   * handed out. Omitted: the backend creates an empty memory of its own. A
   * shared memory gets a shared state (as `shared: true`).
   */
  readonly memory?: LinearMemory;
  /**
   * `true`: create a shared memory (or require that the given one is shared)
   * and keep the state in a `SharedArrayBuffer` other workers can attach to.
   * `{ state }`: attach to the state of a backend made in another worker
   * (its `state`), over the same shared `memory`; its megablock size and
   * maximum are the state's. See Note [Megablocks over linear memory], Locking.
   */
  readonly shared?: boolean | { readonly state: SharedArrayBuffer };
  /**
   * Where fresh megablocks come from: `"grow"` (default) calls `memory.grow`;
   * an object with the guest's exported `sbrk` asks the guest's break instead
   * (Emscripten, whose `malloc` would otherwise hand out what was grown behind
   * its back). The engine's page sources (@osal/linear-memory).
   */
  readonly source?: "grow" | SbrkFunction;
  /**
   * Megablock size in bytes: the page size of this backend, the unit of every
   * range and the alignment of every mapping. 1 MiB (GHC's classic `MBLOCK_SIZE`,
   * the default) or 64 KiB (one wasm page, as current GHC on wasm); any power of
   * two from 64 KiB to 16 MiB is accepted.
   */
  readonly megablockSize?: number;
  /**
   * The most the linear memory may grow to, in bytes (a multiple of 64 KiB, at
   * most 4 GiB for a memory32 memory, below 2^53 for a memory64 one). When the
   * backend creates the memory this is its declared maximum (default 4 GiB;
   * above 4 GiB it creates a memory64 memory, Node 24+). With a given `memory` it states that memory's
   * maximum, which a JS host cannot always read back (default: the maximum the
   * host reports, else 4 GiB). It is what `getSystemTotalMemory()` returns.
   */
  readonly maximumBytes?: number;
  /**
   * How far past a request the memory grows (the shared policy of @osal/core):
   * `"exact"` grows only the megablocks missing; a policy grows
   * `clamp(size × ratio, minimumStep, maximumStep)` ahead, rounded to whole
   * megablocks, the megablocks grown ahead free and clean. Default:
   * `DEFAULT_GROWTH` on an unshared memory, `"exact"` on a shared one (its
   * `memory.grow` costs microseconds, so a step would only cost footprint).
   */
  readonly growth?: GrowthPolicy | Partial<GrowthPolicy> | "exact";
}

/** The options after validation, with defaults filled in. */
export interface ResolvedOptions {
  readonly memory: LinearMemory;
  /** The state (the engine's, the free runs as its index): made here (`fresh`) or attached to. */
  readonly state: SharedState<FreeRuns>;
  readonly fresh: boolean;
  readonly growth: GrowthPolicy;
  readonly source: "grow" | SbrkFunction;
  readonly maximumBytes: number;
}

/** The default megablock size: 1 MiB. */
export const DEFAULT_MEGABLOCK_SIZE = MiB;

const MIN_MEGABLOCK_SIZE = WASM_PAGE_SIZE;
const MAX_MEGABLOCK_SIZE = 16 * MiB;

/**
 * Validates `options` and fills in defaults, creating the memory and the state
 * (or attaching to a shared state). Throws `MmapError` `EINVAL` for a bad value
 * before anything is created.
 */
export function resolveOptions(options: GhcMegablockOptions = {}): ResolvedOptions {
  if (options.megablockSize !== undefined) checkMegablockSize(options.megablockSize);
  const given = options.memory;
  if (given !== undefined && !isLinearMemory(given)) {
    throw invalid("memory must be a WebAssembly.Memory");
  }
  if (options.maximumBytes !== undefined) {
    checkMaximum(options.maximumBytes, options.megablockSize ?? DEFAULT_MEGABLOCK_SIZE, given);
  }
  const source = options.source ?? "grow";
  if (source !== "grow" && typeof (source as SbrkFunction | undefined)?.sbrk !== "function") {
    throw invalid('source must be "grow" or an object with an sbrk(increment) function');
  }
  const shared = options.shared ?? false;
  const sharing = shared !== false || (given !== undefined && isSharedMemory(given));
  const growth =
    options.growth === undefined && sharing ? EXACT_GROWTH : resolveGrowthPolicy(options.growth);

  if (typeof shared === "object" && shared !== null) {
    if (given === undefined || !isSharedMemory(given)) {
      throw invalid("attaching to a shared state needs the same shared memory as `memory`");
    }
    const state = SharedState.attach(shared.state, FREE_RUNS_LAYOUT);
    checkMegablockSize(state.granule);
    if (options.megablockSize !== undefined && options.megablockSize !== state.granule) {
      throw invalid(
        `megablockSize ${options.megablockSize} differs from the shared state's ${state.granule}`,
      );
    }
    const maximumBytes = declaredMaximumBytes(given) ?? state.totalPages * state.granule;
    return { memory: given, state, fresh: false, growth, source, maximumBytes };
  }
  if (typeof shared !== "boolean") throw invalid("shared must be a boolean or { state }");

  const megablockSize = options.megablockSize ?? DEFAULT_MEGABLOCK_SIZE;
  if (given === undefined) {
    const maximumBytes = options.maximumBytes ?? WASM32_MAX_BYTES;
    const memory = createLinearMemory(maximumBytes, shared);
    const state = createState(megablockSize, maximumBytes, shared);
    return { memory, state, fresh: true, growth, source, maximumBytes };
  }
  if (shared && !isSharedMemory(given)) throw invalid("shared: true needs a shared memory");
  const maximumBytes =
    options.maximumBytes ?? declaredMaximumBytes(given) ?? defaultMaximumBytes(given);
  if (maximumBytes < given.buffer.byteLength) {
    throw invalid(
      `maximumBytes ${maximumBytes} is below the memory's current size ${given.buffer.byteLength}`,
    );
  }
  const state = createState(megablockSize, maximumBytes, sharing);
  return { memory: given, state, fresh: true, growth, source, maximumBytes };
}

function createState(
  megablockSize: number,
  maximumBytes: number,
  shared: boolean,
): SharedState<FreeRuns> {
  const totalPages = Math.floor(maximumBytes / megablockSize);
  return SharedState.create({
    granule: megablockSize,
    totalPages,
    shared,
    index: FREE_RUNS_LAYOUT,
  });
}

function checkMegablockSize(megablockSize: number): void {
  if (
    !isPowerOfTwo(megablockSize) ||
    megablockSize < MIN_MEGABLOCK_SIZE ||
    megablockSize > MAX_MEGABLOCK_SIZE
  ) {
    throw invalid(
      `megablockSize ${String(megablockSize)} must be a power of two from 64 KiB to 16 MiB`,
    );
  }
}

/** Most megablocks the table holds (one byte each in three arrays, indexed by 32-bit ints). */
const MAX_MEGABLOCKS = 2 ** 31 - 1;

function checkMaximum(
  maximumBytes: number,
  megablockSize: number,
  memory: LinearMemory | undefined,
): void {
  // A memory32 memory keeps its 4 GiB; a memory64 one (or one created above 4 GiB) goes to 2^53.
  const limit = maximumBytesLimit(memory);
  const valid =
    Number.isSafeInteger(maximumBytes) &&
    maximumBytes >= 0 &&
    maximumBytes % WASM_PAGE_SIZE === 0 &&
    maximumBytes <= limit &&
    maximumBytes / megablockSize <= MAX_MEGABLOCKS;
  if (!valid) {
    const most = limit > WASM32_MAX_BYTES ? "below 2^53 (memory64)" : "4 GiB";
    throw invalid(
      `maximumBytes ${String(maximumBytes)} must be a multiple of 64 KiB between 0 and ${most}`,
    );
  }
}

/** A bad option: core's one error for it on every backend (`MmapError` `EINVAL`, as mmap). */
function invalid(detail: string): MmapError {
  return invalidOption("ghc-megablock", detail);
}
