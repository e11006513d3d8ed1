import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { GuestToolchain } from "../../src/index.js";

/** The SPEC section 6 workloads, one guest each. */
export const workloads = ["zend", "sgen", "coreclr", "ghc", "mmtk"] as const;
/** One of {@link workloads}. */
export type WorkloadName = (typeof workloads)[number];
/** How a guest was built: on the osal imports, or on its libc's own mmap. */
export type Mman = "osal" | "libc";

const buildDir = join(dirname(fileURLToPath(import.meta.url)), "../../../../guests/build");

/**
 * The committed build of a guest. Throws (so the test fails, never skips) when
 * it is missing: run guests/build.sh.
 */
export function guestFile(toolchain: GuestToolchain, workload: WorkloadName, mman: Mman): string {
  const file = join(
    buildDir,
    toolchain,
    `${workload}-${mman}.${toolchain === "wasi" ? "wasm" : "js"}`,
  );
  if (!existsSync(file)) throw new Error(`missing guest build ${file}: run guests/build.sh`);
  if (toolchain === "emscripten" && !existsSync(file.replace(/\.js$/, ".wasm"))) {
    throw new Error(`missing guest build ${file.replace(/\.js$/, ".wasm")}: run guests/build.sh`);
  }
  return file;
}
