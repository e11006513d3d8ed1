/** Where progress goes: a writer and whether it is a terminal. */
export interface ProgressSink {
  write(text: string): void;
  readonly isTTY: boolean;
}

/** Reports progress of a long run; a no-op when the sink is not a terminal. */
export interface Progress {
  /** Shows `[done/total] label` on the status line. */
  update(done: number, total: number, label: string): void;
  /** Clears the status line. */
  finish(): void;
}

/**
 * Progress on one rewritten terminal line (carriage return and erase-line), so
 * logs and pipes stay clean: when `sink.isTTY` is false nothing is ever written.
 */
export function createProgress(sink: ProgressSink): Progress {
  if (!sink.isTTY) return { update() {}, finish() {} };
  let shown = false;
  return {
    update(done, total, label) {
      sink.write(`\r\x1b[2K[${done + 1}/${total}] ${label}…`);
      shown = true;
    },
    finish() {
      if (shown) sink.write("\r\x1b[2K");
      shown = false;
    },
  };
}
