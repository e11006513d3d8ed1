import type { LinearMemory } from "../src/index.js";

/** The host's WebAssembly, typed for the tests (the package builds without DOM or wasm types). */
export interface TestWebAssembly {
  Memory: new (descriptor: {
    initial: number;
    maximum?: number;
    shared?: boolean;
  }) => LinearMemory;
  Module: {
    new (bytes: Uint8Array): object;
    imports(module: object): { module: string; name: string; kind: string }[];
    exports(module: object): { name: string; kind: string }[];
  };
  Instance: new (
    module: object,
    imports: Record<string, Record<string, unknown>>,
  ) => { readonly exports: Record<string, unknown> };
}

export const wasm = (globalThis as unknown as { WebAssembly: TestWebAssembly }).WebAssembly;
