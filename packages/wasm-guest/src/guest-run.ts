import type { OSMemory } from "@osal/core";
import type { GuestResult } from "./guest-result.js";

/** What a guest run produced. */
export interface GuestRun {
  /** Exit status (0: completed). */
  readonly exitCode: number;
  /** Everything the guest wrote to stdout. */
  readonly stdout: string;
  /** Everything the guest wrote to stderr. */
  readonly stderr: string;
  /** Its `OSAL-RESULT` line, parsed; `undefined` if it printed none. */
  readonly result: GuestResult | undefined;
  /** The trap, when the guest did not exit normally. */
  readonly error: unknown;
  /** The backend behind its `osal` imports (`undefined` for a libc build). */
  readonly os: OSMemory | undefined;
}
