/** Where progress goes: a writer and whether it is a terminal. */
export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
}

/** How often progress lines go to a sink that is not a terminal, and the clock. */
export interface ProgressOptions {
  /** Least time between two lines in logs and pipes, in ms. Default {@link defaultProgressEveryMs}. */
  readonly everyMs?: number;
  /** The clock, in ms (tests pass their own). Default `performance.now`. */
  readonly now?: () => number;
}

/** Reports progress of a long run. */
export interface Progress {
  /** A run starts: `done` runs finished of `total`, `label` says what runs now. */
  update(done: number, total: number, label: string): void;
  /** The current run has done `step` of its `steps` steps. */
  step(step: number, steps: number): void;
  /** Clears the status line (terminal) or does nothing (logs). */
  finish(): void;
}

/** Seconds between progress lines in logs and pipes: often enough to see a run is alive. */
export const defaultProgressEveryMs = 3000;

/**
 * Progress on a terminal: one rewritten line (carriage return and erase-line).
 * Anywhere else (logs, pipes): a plain line, `[run/total] label, step s/n (t s)`,
 * at most every `everyMs` and never before `everyMs` has passed, so a short run
 * leaves logs untouched and a long one shows it is alive.
 */
export function createProgress(sink: ProgressSink, options: ProgressOptions = {}): Progress {
  const now = options.now ?? (() => performance.now());
  const every = options.everyMs ?? defaultProgressEveryMs;
  const started = now();
  let lastLine = started;
  let shown = false;
  let run = { done: 0, total: 0, label: "" };
  let at = "";
  const status = () => `[${run.done + 1}/${run.total}] ${run.label}${at}`;
  const show = () => {
    if (sink.isTTY) {
      sink.write(`\r\x1b[2K${status()}…`);
      shown = true;
      return;
    }
    const time = now();
    if (time - lastLine < every) return;
    lastLine = time;
    sink.write(`osal: ${status()} (${Math.round((time - started) / 1000)} s)\n`);
  };
  return {
    update(done, total, label) {
      run = { done, total, label };
      at = "";
      show();
    },
    step(step, steps) {
      at = `, step ${step}/${steps}`;
      show();
    },
    finish() {
      if (shown) sink.write("\r\x1b[2K");
      shown = false;
    },
  };
}
