import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type GuestMman, type GuestWorkload, guestUrl, guestWorkloads } from "@osal/guests";
import type { GuestToolchain } from "../../src/index.js";

/** The SPEC section 6 workloads, one guest each. */
export const workloads = guestWorkloads;
/** One of {@link workloads}. */
export type WorkloadName = GuestWorkload;
/** How a guest was built: on the osal imports, or on its libc's own mmap. */
export type Mman = GuestMman;

/**
 * The committed build of a guest (from `@osal/guests`). Throws (so the test
 * fails, never skips) when it is missing: run packages/guests/build.sh.
 */
export function guestFile(toolchain: GuestToolchain, workload: WorkloadName, mman: Mman): string {
  const file = fileURLToPath(guestUrl(workload, toolchain, mman));
  const wasm = file.replace(/\.js$/, ".wasm");
  for (const needed of [file, wasm]) {
    if (!existsSync(needed))
      throw new Error(`missing guest build ${needed}: run packages/guests/build.sh`);
  }
  return file;
}
