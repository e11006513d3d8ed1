import { type ErrnoCode, type MemoryCall, MmapError } from "@osal/core";

/** Which calls a fault rule applies to: one kind, or `"any"`. */
export type FaultTarget = MemoryCall | "any";

interface Rule {
  readonly target: FaultTarget;
  readonly code: ErrnoCode;
  /** Matching calls still to let through before failing; `undefined` for every call. */
  countdown: number | undefined;
}

/**
 * Makes chosen calls fail, to test how a runtime copes with `ENOMEM` and
 * friends. A failed call throws the given code before doing anything, so the
 * process is left exactly as it was, and it counts as a failed call in stats.
 */
export class FaultInjector {
  private rules: Rule[] = [];

  /** The `n`th matching call from now (1 = the next) fails with `code`, once. */
  failNth(n: number, code: ErrnoCode, target: FaultTarget = "any"): void {
    if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`failNth needs n >= 1, got ${n}`);
    this.rules.push({ target, code, countdown: n - 1 });
  }

  /** Every matching call fails with `code` until {@link FaultInjector.clear}. */
  failEvery(target: FaultTarget, code: ErrnoCode): void {
    this.rules.push({ target, code, countdown: undefined });
  }

  /** Removes every rule. */
  clear(): void {
    this.rules = [];
  }

  /** Number of rules still armed. */
  get armed(): number {
    return this.rules.length;
  }

  /** Called at the start of every call: throws if a rule fires for it. */
  check(call: MemoryCall, address?: number, size?: number): void {
    for (const rule of this.rules) {
      if (rule.target !== "any" && rule.target !== call) continue;
      if (rule.countdown === undefined) throw injected(rule.code, call, address, size);
      if (rule.countdown === 0) {
        this.rules = this.rules.filter((r) => r !== rule);
        throw injected(rule.code, call, address, size);
      }
      rule.countdown--;
    }
  }
}

function injected(code: ErrnoCode, call: MemoryCall, address?: number, size?: number): MmapError {
  return new MmapError({ code, syscall: call, address, size, detail: "injected fault" });
}
