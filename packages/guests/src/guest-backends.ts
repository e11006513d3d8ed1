import type { LinearMemory, OperatingSystem } from "@osal/core";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { createWasmPosixMemalign, guestAllocator } from "@osal/wasm-posix-memalign";
import type { GuestToolchain } from "./index.js";

/**
 * What a guest backend is made from once the guest is instantiated: its linear
 * memory, its exports and the toolchain that built it. `@osal/wasm-guest` hands
 * exactly this to a backend factory (its `GuestBackendContext` satisfies it).
 */
export interface GuestBackendSetup {
  /** The guest's linear memory (exported or imported). */
  readonly memory: LinearMemory;
  /** The guest instance's exports (`aligned_alloc`, `free`, and `sbrk` on Emscripten). */
  readonly exports: Readonly<Record<string, unknown>>;
  /** The toolchain that built the guest. */
  readonly toolchain: GuestToolchain;
  /**
   * Where fresh pages come from, when the host already knows (`@osal/wasm-guest`
   * passes it): `"grow"`, or the guest's `sbrk` (a program linked with the
   * drop-in integration exports it as `osal_sbrk`). Absent: taken from the
   * toolchain and the `sbrk` export.
   */
  readonly source?: "grow" | { readonly sbrk: (increment: number) => number };
}

/**
 * An osal backend configured to run the C guests: which toolchains it can serve,
 * the page granule the guests must be told, and how to make it over a guest.
 */
export interface GuestBackend {
  /** Unique, for a `<select>` or a command-line name: `"ghc-megablock-1m"`. */
  readonly id: string;
  /** What a person reads (test names, labels): `"ghc-megablock (1 MiB)"`. */
  readonly name: string;
  /** The backend's package name without its scope: `"ghc-megablock"`. */
  readonly backend: string;
  /**
   * The toolchains whose guests it can serve (under Emscripten, the linear-memory
   * backends take their pages from the guest's `sbrk`).
   */
  readonly toolchains: readonly GuestToolchain[];
  /**
   * The granule the guest aligns its ranges to (its `page=` argument): the
   * backend's page size where that is larger than a wasm page, 16 KiB for
   * wasm-posix-memalign (whose mappings may be only page-aligned), else 64 KiB.
   */
  readonly page: number;
  /** The guest arguments the backend needs: `page=<page>` when `page` is not 64 KiB. */
  readonly args: readonly string[];
  /**
   * Makes the backend over the guest's memory (or allocator). A `TypeError` for
   * a guest it cannot serve, rather than a backend that would corrupt its heap.
   */
  readonly factory: (setup: GuestBackendSetup) => OperatingSystem;
}

const WASM_PAGE = 64 * 1024;
const MEGABLOCK_1M = 1024 * 1024;
const POSIX_MEMALIGN_PAGE = 16 * 1024;

function pageArgs(page: number): readonly string[] {
  return page === WASM_PAGE ? [] : [`page=${page}`];
}

/** Refuses a toolchain the backend cannot serve. */
function requireToolchain(backend: GuestBackend, toolchain: GuestToolchain): void {
  if (!backend.toolchains.includes(toolchain)) {
    throw new TypeError(`${backend.name} cannot serve a guest built with ${toolchain}`);
  }
}

/**
 * Where a linear-memory backend's fresh pages come from for a guest: the
 * `source` the host already knows, else `memory.grow` under wasi-libc (whose
 * `sbrk` reads `memory.size` back), else the guest's exported `sbrk` under
 * Emscripten, whose break Emscripten keeps itself (memory grown behind it would
 * be handed out twice by its `malloc`).
 */
function pageSource(
  backend: GuestBackend,
  { exports, toolchain, source }: GuestBackendSetup,
): "grow" | { readonly sbrk: (increment: number) => number } {
  if (source !== undefined) return source;
  if (toolchain === "wasi") return "grow";
  const sbrk = exports.sbrk;
  if (typeof sbrk !== "function") {
    throw new TypeError(`an Emscripten guest must export sbrk for ${backend.name}`);
  }
  return { sbrk: (increment) => (sbrk as (increment: number) => number)(increment) };
}

/** The page manager over the guest's memory, its pages from {@link pageSource}. */
const pageManager: GuestBackend = {
  id: "wasm-page-manager",
  name: "wasm-page-manager",
  backend: "wasm-page-manager",
  toolchains: ["wasi", "emscripten"],
  page: WASM_PAGE,
  args: pageArgs(WASM_PAGE),
  factory: (setup) => {
    requireToolchain(pageManager, setup.toolchain);
    return createWasmPageManager({ memory: setup.memory, source: pageSource(pageManager, setup) });
  },
};

/** ghc-megablock with `megablockSize`-byte megablocks over the guest's memory, its pages from {@link pageSource}. */
function ghcMegablock(id: string, name: string, megablockSize: number): GuestBackend {
  const page = Math.max(megablockSize, WASM_PAGE);
  const backend: GuestBackend = {
    id,
    name,
    backend: "ghc-megablock",
    toolchains: ["wasi", "emscripten"],
    page,
    args: pageArgs(page),
    factory: (setup) => {
      requireToolchain(backend, setup.toolchain);
      const source = pageSource(backend, setup);
      return createGhcMegablock({ memory: setup.memory, megablockSize, source });
    },
  };
  return backend;
}

/** wasm-posix-memalign on the guest's own `aligned_alloc` / `free`, sharing its heap. */
const posixMemalign: GuestBackend = {
  id: "wasm-posix-memalign",
  name: "wasm-posix-memalign",
  backend: "wasm-posix-memalign",
  toolchains: ["wasi", "emscripten"],
  // Its 16 KiB pages: a mapping the allocator cannot give a larger alignment is
  // only page-aligned, so the guest must align its ranges to 16 KiB, not 64 KiB.
  page: POSIX_MEMALIGN_PAGE,
  args: pageArgs(POSIX_MEMALIGN_PAGE),
  factory: ({ memory, exports, toolchain }) => {
    requireToolchain(posixMemalign, toolchain);
    return createWasmPosixMemalign({ allocator: guestAllocator({ exports, memory }) });
  },
};

/**
 * Every wasm backend configured for the C guests, in the order tables list
 * them: the one table the CLI, `@osal/wasm-guest`'s guest tests, the browser
 * tests and the browser example all take their guest backends from, so a
 * guest run means the same configuration everywhere.
 */
export const guestBackends: readonly GuestBackend[] = Object.freeze([
  pageManager,
  ghcMegablock("ghc-megablock-64k", "ghc-megablock (64 KiB)", WASM_PAGE),
  ghcMegablock("ghc-megablock-1m", "ghc-megablock (1 MiB)", MEGABLOCK_1M),
  posixMemalign,
]);

/** The entry of {@link guestBackends} with this `id` or `name`; a `RangeError` for an unknown one. */
export function guestBackendById(id: string): GuestBackend {
  const found = guestBackends.find((backend) => backend.id === id || backend.name === id);
  if (found === undefined) throw new RangeError(`no guest backend ${id}`);
  return found;
}
