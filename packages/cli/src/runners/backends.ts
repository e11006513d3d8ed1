import type { OperatingSystem } from "@osal/core";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { createMockUnix } from "@osal/mock-unix";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { createWasmPosixMemalign } from "@osal/wasm-posix-memalign";
import type { MapSource } from "../memory-map/snapshot.js";

/** A fresh backend, with what the memory map needs to know about it. */
export interface BackendInstance {
  /** The backend. */
  readonly os: OperatingSystem;
  /** What to draw the memory map from, taken after a run. */
  mapSource(): MapSource;
}

/** A backend the bench can run workloads on, by name. */
export interface BackendSpec {
  /** Name used by `--backends` and in tables (the package name without scope). */
  readonly name: string;
  /** One line: what the backend is. */
  readonly description: string;
  /** Makes a fresh instance: every run gets its own, as peaks are per instance. */
  create(): BackendInstance;
}

/** `@osal/mock-unix`: a simulated 47-bit Linux process, 4 KiB pages. */
const mockUnix: BackendSpec = {
  name: "mock-unix",
  description: "simulated Linux process (4 KiB pages, demand-zero, sparse 47-bit space)",
  create() {
    const os = createMockUnix();
    return { os, mapSource: () => ({ os }) };
  },
};

/** `@osal/ghc-megablock`: 1 MiB megablocks grown from its own WebAssembly.Memory. */
const ghcMegablock: BackendSpec = {
  name: "ghc-megablock",
  description: "GHC-style megablocks (1 MiB) grown from a WebAssembly.Memory, never returned",
  create() {
    const os = createGhcMegablock();
    return { os, mapSource: () => ({ os, memoryBytes: os.memory.buffer.byteLength }) };
  },
};

/** `@osal/wasm-page-manager`: Mono-style page table over its own WebAssembly.Memory, 64 KiB pages. */
const wasmPageManager: BackendSpec = {
  name: "wasm-page-manager",
  description: "Mono-style page manager (64 KiB pages) over a WebAssembly.Memory",
  create() {
    const os = createWasmPageManager();
    return { os, mapSource: () => ({ os, memoryBytes: os.memory.buffer.byteLength }) };
  },
};

/** `@osal/wasm-posix-memalign`: CoreCLR-style, reserve == commit on its bundled aligned allocator. */
const wasmPosixMemalign: BackendSpec = {
  name: "wasm-posix-memalign",
  description: "CoreCLR-style aligned_alloc/free backend (16 KiB pages) on the bundled allocator",
  create() {
    const os = createWasmPosixMemalign();
    return { os, mapSource: () => ({ os, memoryBytes: os.allocator.memory.buffer.byteLength }) };
  },
};

/** Every backend the bench knows, in table order. */
export const backendSpecs: readonly BackendSpec[] = [
  mockUnix,
  wasmPageManager,
  wasmPosixMemalign,
  ghcMegablock,
];

/** The backend called `name`, or `undefined`. */
export function findBackend(name: string): BackendSpec | undefined {
  return backendSpecs.find((b) => b.name === name);
}
