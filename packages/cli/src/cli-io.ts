/** Where the CLI writes. Injected so tests can capture output. */
export interface CliIo {
  /** Standard output: tables, JSON, paths. */
  out(text: string): void;
  /** Standard error: errors, usage after a mistake, progress. */
  err(text: string): void;
  /** True when `err` goes to a terminal: only then is progress shown. */
  readonly errIsTTY?: boolean;
}
