import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type GuestMman, type GuestToolchain, guestUrl } from "@osal/guests";
import type { WorkloadName } from "@osal/workloads";

export type { GuestMman, GuestToolchain } from "@osal/guests";

/** Finds the built guest for a workload, toolchain and mmap family; returns its path. */
export type GuestLocator = (
  workload: WorkloadName,
  toolchain: GuestToolchain,
  mman: GuestMman,
) => string;

/**
 * The guests `@osal/guests` ships (`build/wasi/<workload>-<mman>.wasm` and
 * `build/emscripten/<workload>-<mman>.js`, the loader, its `.wasm` beside it),
 * as file paths: an installed CLI runs the same guests as the repository. A
 * missing file throws an `Error` naming it, which the bench shows as that
 * row's failure.
 */
export function packagedGuests(): GuestLocator {
  return (workload, toolchain, mman) => {
    const file = fileURLToPath(guestUrl(workload, toolchain, mman));
    if (!existsSync(file))
      throw new Error(`guest not built: ${file} (run packages/guests/build.sh)`);
    return file;
  };
}
