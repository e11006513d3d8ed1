import { UsageError } from "../options/list-option.js";
import { backendSpecs } from "./backends.js";
import { guestTargets } from "./guest-backends.js";
import { type GuestLocator, packagedGuests } from "./guest-files.js";
import { guestRunner } from "./guest-runner.js";
import type { Runner } from "./runner.js";
import { tsRunner } from "./ts-runner.js";

/**
 * Every runner the bench knows, in table order: the TypeScript client on each
 * backend, then the C guests on each wasm backend and on the peers (the libc's
 * own `mmap` of wasi-libc and Emscripten).
 */
export function allRunners(locate: GuestLocator = packagedGuests()): Runner[] {
  return [
    ...backendSpecs.map(tsRunner),
    ...guestTargets.map((target) => guestRunner(target, locate)),
  ];
}

/** Names `--backends` accepts: every backend and peer some runner runs on. */
export function knownBackendNames(runners: readonly Runner[]): string[] {
  return [...new Set(runners.map((r) => r.backend))];
}

/**
 * The runners on the given backends or peers (all of them for `undefined`), in
 * table order. Throws {@link UsageError} naming any unknown backend.
 */
export function selectRunners(
  runners: readonly Runner[],
  backends: readonly string[] | undefined,
): Runner[] {
  if (backends === undefined) return [...runners];
  const known = knownBackendNames(runners);
  for (const name of backends) {
    if (!known.includes(name)) {
      throw new UsageError(`--backends: unknown backend "${name}" (known: ${known.join(", ")})`);
    }
  }
  return runners.filter((r) => backends.includes(r.backend));
}
