import {
  createLinearMemory,
  declaredMaximumBytes,
  defaultMaximumBytes,
  EXACT_GROWTH,
  GiB,
  type GrowthPolicy,
  isLinearMemory,
  isPowerOfTwo,
  isSharedMemory,
  KiB,
  type LinearMemory,
  MiB,
  MmapError,
  maximumBytesLimit,
  resolveGrowthPolicy,
  WASM_PAGE_SIZE,
  WASM32_MAX_BYTES,
} from "@osal/core";
import { type SbrkFunction, SharedState } from "@osal/linear-memory";
import type { FreeRunIndex } from "./free-run-index.js";
import { FREE_RUN_LAYOUT } from "./free-run-layout.js";

/** Options of {@link createWasmPageManager}. */
export interface WasmPageManagerOptions {
  /**
   * The linear memory to manage: a guest's `WebAssembly.Memory`. Without it the
   * manager creates an empty one. Memory already in use when the manager starts
   * (the guest's data, stack and heap) is external and never handed out.
   */
  readonly memory?: LinearMemory;
  /** Page size in bytes: 64 KiB (the default, the wasm page) or a smaller power of two ≥ 4 KiB. */
  readonly pageSize?: number;
  /**
   * The memory's maximum in bytes (a multiple of 64 KiB, at most 4 GiB for a
   * memory32 memory): the maximum of the memory the manager creates (above
   * 4 GiB it creates a memory64 one, Node 24+), or the declared maximum of a
   * given memory where the host cannot reflect it. Default 4 GiB (16 GiB for a
   * given memory64 memory). The page table is sized to it (7 bytes a page).
   */
  readonly maximumBytes?: number;
  /**
   * Where fresh pages come from: `"grow"` (default) calls `memory.grow`; an object
   * with the guest's exported `sbrk` asks the guest's break instead (Emscripten).
   */
  readonly source?: "grow" | SbrkFunction;
  /**
   * `true`: create a shared memory (or require that the given one is shared) and
   * keep the state where other workers can attach to it. `{ state }`: attach to the
   * state of a manager made in another worker (`manager.state`), over the same
   * shared `memory`.
   */
  readonly shared?: boolean | { readonly state: SharedArrayBuffer };
  /**
   * Alignment given by default to mappings of at least this many bytes, as Linux
   * aligns large anonymous mappings to huge pages. Default 2 MiB; the page size
   * turns it off.
   */
  readonly largeMappingAlignment?: number;
  /**
   * How far past what a call needs the memory (or the guest's break) grows, see
   * Note [Growth policy]: `"exact"` grows only what is missing (one
   * `memory.grow` per call that reaches the end); a policy grows
   * `clamp(size × ratio, minimumStep, maximumStep)` ahead, the pages grown ahead
   * free and zeroed. Default: `DEFAULT_GROWTH` (@osal/core) on a non-shared memory,
   * `"exact"` on a shared one (its `memory.grow` costs microseconds).
   */
  readonly growth?: GrowthPolicy | Partial<GrowthPolicy> | "exact";
}

/** The options with every default applied and every value checked. */
export interface ResolvedOptions {
  readonly memory: LinearMemory;
  readonly state: SharedState<FreeRunIndex>;
  /** True when the state was made here rather than attached. */
  readonly fresh: boolean;
  readonly pageSize: number;
  readonly addressSpaceEnd: number;
  readonly source: "grow" | SbrkFunction;
  readonly largeMappingAlignment: number;
  readonly growth: GrowthPolicy;
}

/** The default page size: one wasm page. */
export const DEFAULT_PAGE_SIZE = 64 * KiB;
/** The default alignment of large mappings: a huge page. */
export const DEFAULT_LARGE_ALIGNMENT = 2 * MiB;

/** Applies defaults and checks every option; `EINVAL` (nothing created) on a bad one. */
export function resolveOptions(options: WasmPageManagerOptions): ResolvedOptions {
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!isPowerOfTwo(pageSize) || pageSize < 4 * KiB || pageSize > WASM_PAGE_SIZE) {
    invalid(`pageSize ${String(pageSize)} must be a power of two from 4 KiB to 64 KiB`);
  }
  const largeMappingAlignment = options.largeMappingAlignment ?? DEFAULT_LARGE_ALIGNMENT;
  if (!isPowerOfTwo(largeMappingAlignment)) {
    invalid(`largeMappingAlignment ${String(largeMappingAlignment)} is not a power of two`);
  }
  const source = options.source ?? "grow";
  if (source !== "grow" && typeof (source as SbrkFunction | undefined)?.sbrk !== "function") {
    invalid('source must be "grow" or an object with an sbrk(increment) function');
  }
  if (options.memory !== undefined && !isLinearMemory(options.memory)) {
    invalid("memory is not a WebAssembly.Memory");
  }
  if (options.maximumBytes !== undefined) checkMaximum(options.maximumBytes, options.memory);
  const shared = options.shared ?? false;
  const chosen = resolveGrowthPolicy(options.growth);
  const sharedMemory =
    shared !== false || (options.memory !== undefined && isSharedMemory(options.memory));
  const growth = options.growth === undefined && sharedMemory ? EXACT_GROWTH : chosen;
  const common = {
    source,
    largeMappingAlignment: Math.max(largeMappingAlignment, pageSize),
    growth,
  };

  if (typeof shared === "object" && shared !== null) {
    const memory = options.memory;
    if (memory === undefined || !isSharedMemory(memory)) {
      invalid("attaching to a shared state needs the same shared memory as `memory`");
    }
    const state = SharedState.attach(shared.state, FREE_RUN_LAYOUT);
    if (options.pageSize !== undefined && options.pageSize !== state.granule) {
      invalid(`pageSize ${options.pageSize} differs from the shared state's ${state.granule}`);
    }
    const addressSpaceEnd = state.totalPages * state.granule;
    return {
      ...common,
      largeMappingAlignment: Math.max(largeMappingAlignment, state.granule),
      memory,
      state,
      fresh: false,
      pageSize: state.granule,
      addressSpaceEnd,
    };
  }
  if (typeof shared !== "boolean") invalid("shared must be a boolean or { state }");

  let memory = options.memory;
  let maximum: number;
  if (memory === undefined) {
    maximum = options.maximumBytes ?? WASM32_MAX_BYTES;
    memory = createLinearMemory(maximum, shared);
  } else {
    if (shared && !isSharedMemory(memory)) invalid("shared: true needs a shared memory");
    maximum = declaredMaximumBytes(memory) ?? options.maximumBytes ?? defaultMaximumBytes(memory);
    if (maximum < memory.buffer.byteLength) maximum = memory.buffer.byteLength;
  }
  if (maximum / pageSize > MAX_TABLE_PAGES) {
    invalid(
      `maximumBytes ${maximum} is ${maximum / pageSize} pages of ${pageSize} bytes: the page table holds at most ${MAX_TABLE_PAGES}`,
    );
  }
  const state = SharedState.create({
    granule: pageSize,
    totalPages: maximum / pageSize,
    shared: shared || isSharedMemory(memory),
    index: FREE_RUN_LAYOUT,
  });
  return { ...common, memory, state, fresh: true, pageSize, addressSpaceEnd: maximum };
}

/** Most pages one page table holds: its header counts pages in 32-bit ints. */
const MAX_TABLE_PAGES = 2 ** 31 - 1;

function checkMaximum(bytes: number, memory: LinearMemory | undefined): void {
  const limit = maximumBytesLimit(memory);
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % WASM_PAGE_SIZE !== 0 || bytes > limit) {
    const most = limit > 4 * GiB ? "below 2^53 (memory64)" : "up to 4 GiB";
    invalid(`maximumBytes ${String(bytes)} must be a positive multiple of 64 KiB ${most}`);
  }
}

function invalid(detail: string): never {
  throw new MmapError({ code: "EINVAL", syscall: "mmap", detail });
}
