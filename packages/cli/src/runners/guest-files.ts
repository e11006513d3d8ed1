import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { WorkloadName } from "@osal/conformance/workloads";

/** Which toolchain built a guest: clang + wasi-libc, or Emscripten. */
export type GuestToolchain = "wasi" | "emscripten";

/** Which `mmap` family a guest was built on: the `osal` imports, or its libc's own. */
export type GuestMman = "osal" | "libc";

/** Finds the built guest for a workload, toolchain and mmap family; returns its path. */
export type GuestLocator = (
  workload: WorkloadName,
  toolchain: GuestToolchain,
  mman: GuestMman,
) => string;

/**
 * The guests built by the repository's `guests/build.sh` into `guests/build/`:
 * `wasi/<workload>-<mman>.wasm` and `emscripten/<workload>-<mman>.js` (the
 * loader; its `.wasm` sits beside it). The folder is found by walking up from
 * this module (so it works from `src/` and `dist/` alike). Throws an `Error`
 * naming the folder when there is no build, which the bench shows as that row's
 * failure.
 */
export function repositoryGuests(
  from: string = dirname(fileURLToPath(import.meta.url)),
): GuestLocator {
  let buildDir: string | undefined;
  const find = (): string => {
    if (buildDir !== undefined) return buildDir;
    for (let dir = from; ; dir = dirname(dir)) {
      const candidate = join(dir, "guests", "build");
      if (existsSync(candidate)) {
        buildDir = candidate;
        return candidate;
      }
      if (dirname(dir) === dir) {
        throw new Error(
          `no guests/build folder above ${from}: run guests/build.sh in the repository`,
        );
      }
    }
  };
  return (workload, toolchain, mman) => {
    const file = join(
      find(),
      toolchain,
      `${workload}-${mman}.${toolchain === "wasi" ? "wasm" : "js"}`,
    );
    if (!existsSync(file)) throw new Error(`guest not built: ${file} (run guests/build.sh)`);
    return file;
  };
}
