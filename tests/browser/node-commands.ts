import { fileURLToPath } from "node:url";
import { type GuestWorkload, guestUrl } from "@osal/guests";
import type { GuestResult } from "@osal/wasm-guest";
import { runGuest } from "@osal/wasm-guest/node";
import type { BrowserCommand } from "vitest/node";
import { guestBackend } from "./support/guest-backends.js";

/** What a guest run in Node reported, for comparison with the same run in Chromium. */
export interface NodeGuestRun {
  readonly exitCode: number;
  readonly result: GuestResult | undefined;
}

/**
 * Browser command (runs in the Node process): runs the committed wasi build of
 * `workload` under `node:wasi` on the named backend with `args`, so a browser
 * test can check that Chromium and Node agree byte for byte on its results.
 */
export const runGuestInNode: BrowserCommand<
  [workload: GuestWorkload, backend: string, args: string[]]
> = async (_context, workload, backend, args) => {
  const file = fileURLToPath(guestUrl(workload, "wasi", "osal"));
  const run = await runGuest({
    toolchain: "wasi",
    file,
    backend: guestBackend(backend).factory,
    args,
  });
  return { exitCode: run.exitCode, result: run.result } satisfies NodeGuestRun;
};

declare module "vitest/browser" {
  interface BrowserCommands {
    runGuestInNode: (
      workload: GuestWorkload,
      backend: string,
      args: string[],
    ) => Promise<NodeGuestRun>;
  }
}
