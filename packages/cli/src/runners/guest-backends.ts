import type { OperatingSystem } from "@osal/core";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { createWasmPosixMemalign, guestAllocator } from "@osal/wasm-posix-memalign";
import type { BackendInstance } from "./backends.js";
import type { GuestToolchain } from "./guest-files.js";

/** What a guest backend is made from: the guest's memory and exports, once instantiated. */
export interface GuestContext {
  /** The guest's linear memory (a `WebAssembly.Memory`). */
  readonly memory: {
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  };
  /** The guest instance's exports (`aligned_alloc`, `free`, and `sbrk` on Emscripten). */
  readonly exports: Readonly<Record<string, unknown>>;
  /** The toolchain that built the guest. */
  readonly toolchain: GuestToolchain;
}

/**
 * Where a C guest runs: an osal backend over the guest's own memory (`create`),
 * or a peer, the guest's libc `mmap` (no `create`).
 */
export interface GuestTarget {
  /** Backend or peer name, for `--backends` and the row name. */
  readonly backend: string;
  /** The toolchain whose build runs. */
  readonly toolchain: GuestToolchain;
  /** The granule the guest aligns its ranges to (`page=` argument): at least the backend's page size. */
  readonly page: number;
  /** Makes the backend over the guest's memory; absent for a peer. */
  readonly create?: (context: GuestContext) => BackendInstance;
}

const WASM_PAGE = 65536;
/** wasm-posix-memalign's default page size (CoreCLR's). */
const POSIX_MEMALIGN_PAGE = 16384;

function instance(os: OperatingSystem, memory: GuestContext["memory"]): BackendInstance {
  return { os, mapSource: () => ({ os, memoryBytes: memory.buffer.byteLength }) };
}

/**
 * The wasm page manager over the guest's memory. On Emscripten it takes pages
 * from the guest's `sbrk`, whose break Emscripten keeps itself (memory grown
 * behind it would be handed out twice); on wasi-libc from `memory.grow`, which
 * wasi-libc's `sbrk` reads back.
 */
function pageManager(toolchain: GuestToolchain): GuestTarget {
  return {
    backend: "wasm-page-manager",
    toolchain,
    page: WASM_PAGE,
    create({ memory, exports }) {
      const sbrk = exports.sbrk as ((increment: number) => number) | undefined;
      const os = createWasmPageManager(
        toolchain === "emscripten" && sbrk !== undefined
          ? { memory, source: { sbrk: (increment) => sbrk(increment) } }
          : { memory },
      );
      return instance(os, memory);
    },
  };
}

/**
 * wasm-posix-memalign on the guest's own `aligned_alloc`/`free`, sharing its heap
 * (and, on Emscripten, its `sbrk` break for the fresh-memory rule). The guest
 * works in the backend's 16 KiB pages: mappings are aligned to them, not to 64 KiB,
 * when the allocator cannot give the 2 MiB alignment the backend prefers.
 */
function posixMemalign(toolchain: GuestToolchain): GuestTarget {
  return {
    backend: "wasm-posix-memalign",
    toolchain,
    page: POSIX_MEMALIGN_PAGE,
    create({ memory, exports }) {
      const os = createWasmPosixMemalign({ allocator: guestAllocator({ exports, memory }) });
      return instance(os, memory);
    },
  };
}

/**
 * ghc-megablock over the guest's memory, wasi-libc only: it grows the memory
 * itself and has no `sbrk` source, so under Emscripten (whose `sbrk` keeps its
 * own break) its megablocks would later be handed out again by `malloc`.
 */
const ghcMegablockWasi: GuestTarget = {
  backend: "ghc-megablock",
  toolchain: "wasi",
  page: 1024 * 1024,
  create({ memory }) {
    return instance(createGhcMegablock({ memory }), memory);
  },
};

/** Every place the C guests run, in table order: osal backends, then the peers. */
export const guestTargets: readonly GuestTarget[] = [
  pageManager("wasi"),
  pageManager("emscripten"),
  posixMemalign("wasi"),
  posixMemalign("emscripten"),
  ghcMegablockWasi,
  { backend: "wasi-libc", toolchain: "wasi", page: WASM_PAGE },
  { backend: "emscripten", toolchain: "emscripten", page: WASM_PAGE },
];
