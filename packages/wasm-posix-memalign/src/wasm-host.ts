import type { LinearMemory } from "@osal/core";

/** The parts of the host's `WebAssembly` namespace this package uses. */
export interface WebAssemblyApi {
  Memory: new (descriptor: { initial: number; maximum?: number }) => LinearMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: Record<string, unknown> };
}

/** The host's `WebAssembly`, or `undefined` where there is none. */
export function hostWebAssembly(): WebAssemblyApi | undefined {
  return (globalThis as { WebAssembly?: WebAssemblyApi }).WebAssembly;
}
