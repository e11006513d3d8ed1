/** Where the CLI writes. Injected so tests can capture output. */
export interface CliIo {
  /** Standard output: tables, JSON, paths. */
  out(text: string): void;
  /** Standard error: errors, usage after a mistake, progress. */
  err(text: string): void;
  /** True when `err` goes to a terminal: progress is one rewritten line there, plain lines elsewhere. */
  readonly errIsTTY?: boolean;
  /** Least time between progress lines when `err` is not a terminal, in ms (default 3000). */
  readonly progressEveryMs?: number;
}
