import type { OperatingSystem } from "@osal/core";
import { type GuestBackendSetup, guestBackendById } from "@osal/guests/backends";
import type { BackendInstance } from "./backends.js";
import type { GuestToolchain } from "./guest-files.js";

/** What a guest backend is made from: the guest's memory and exports, once instantiated. */
export type GuestContext = GuestBackendSetup;

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

function instance(os: OperatingSystem, memory: GuestContext["memory"]): BackendInstance {
  return { os, mapSource: () => ({ os, memoryBytes: memory.buffer.byteLength }) };
}

/**
 * The entry `id` of the one guest-backend table (`@osal/guests/backends`) on
 * each toolchain it serves: the page manager (`memory.grow` under wasi-libc,
 * the guest's `sbrk` under Emscripten), wasm-posix-memalign on the guest's own
 * `aligned_alloc`/`free`, ghc-megablock with 1 MiB megablocks (pages as the page manager's).
 */
function targets(id: string): GuestTarget[] {
  const configured = guestBackendById(id);
  return configured.toolchains.map((toolchain) => ({
    backend: configured.backend,
    toolchain,
    page: configured.page,
    create: (context: GuestContext) => instance(configured.factory(context), context.memory),
  }));
}

/** Every place the C guests run, in table order: osal backends, then the peers. */
export const guestTargets: readonly GuestTarget[] = [
  ...targets("wasm-page-manager"),
  ...targets("wasm-posix-memalign"),
  ...targets("ghc-megablock-1m"),
  { backend: "wasi-libc", toolchain: "wasi", page: WASM_PAGE },
  { backend: "emscripten", toolchain: "emscripten", page: WASM_PAGE },
];
