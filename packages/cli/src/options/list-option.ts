/** Thrown for a bad command line: the CLI prints the message and usage, and exits with 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/**
 * Splits a comma-separated option (`zend,sgen`) and checks every name is one of
 * `known`; `undefined` (option not given) means all of them. Order follows the
 * command line; duplicates are dropped.
 */
export function parseList<T extends string>(
  option: string,
  value: string | undefined,
  known: readonly T[],
): T[] {
  if (value === undefined) return [...known];
  const names = [
    ...new Set(
      value
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
    ),
  ];
  if (names.length === 0) throw new UsageError(`--${option} needs at least one name`);
  for (const name of names) {
    if (!known.includes(name as T)) {
      throw new UsageError(`--${option}: unknown name "${name}" (known: ${known.join(", ")})`);
    }
  }
  return names as T[];
}

/** Parses a non-negative integer option (`--steps 2000`), or returns `fallback` when absent. */
export function parseCount(option: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`--${option} must be a non-negative integer, got "${value}"`);
  }
  return Number(value);
}
