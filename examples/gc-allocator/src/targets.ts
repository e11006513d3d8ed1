import { MiB, type OperatingSystem } from "@osal/core";
import { createWasmPageManager } from "@osal/wasm-page-manager";

/*
 * Note [One backend per target]
 * ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
 * MMTk picks its `util::os` implementation per target at compile time and the
 * rest of MMTk codes against the trait. Here the choice is a value: a target
 * name maps to a factory that makes an `OperatingSystem`, and the heap gets
 * whatever the factory returns. This is the only file of the example that names
 * a backend.
 *
 * Production (the program run by `npm start`) uses the wasm page manager, the
 * backend a runtime on WebAssembly ships with. Tests use mock-unix, which
 * enforces protection and shows every page given back; it is a devDependency,
 * so production code cannot import it: the tests pass its factory in
 * (`createHeapOS("test", { test: () => createMockUnix() })`).
 */

/** Where the program runs: under test, or for real. */
export type Target = "test" | "production";

/** Makes a fresh backend for a target. */
export type BackendFactory = () => OperatingSystem;

/** Backends per target; a target left out uses the built-in one, if any. */
export type Backends = Partial<Readonly<Record<Target, BackendFactory>>>;

/** The linear memory maximum the production backend is created with: 256 MiB. */
export const PRODUCTION_MEMORY_BYTES = 256 * MiB;

/** The production backend: a wasm page manager over a new `WebAssembly.Memory`. */
export const productionBackend: BackendFactory = () =>
  createWasmPageManager({ maximumBytes: PRODUCTION_MEMORY_BYTES });

const builtIn: Backends = { production: productionBackend };

/**
 * A fresh backend for `target`: from `backends` if given there, else the
 * built-in one (only production has one). Throws when the target has none.
 */
export function createHeapOS(target: Target, backends: Backends = {}): OperatingSystem {
  const factory = backends[target] ?? builtIn[target];
  if (factory === undefined) {
    throw new Error(
      `no backend for target "${target}": pass one, e.g. { test: () => createMockUnix() }`,
    );
  }
  return factory();
}
