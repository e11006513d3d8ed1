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

/** Backend and peer names some runner runs on: `--backends` takes these (and row labels). */
export function knownBackendNames(runners: readonly Runner[]): string[] {
  return [...new Set(runners.map((r) => r.backend))];
}

/**
 * Names `--backends` accepts: every backend and peer (all its rows), then every
 * row label the tables print (`wasi-guest@wasm-page-manager`: that row alone).
 */
export function selectableNames(runners: readonly Runner[]): string[] {
  return [...new Set([...knownBackendNames(runners), ...runners.map((r) => r.name)])];
}

/**
 * The runners named by `names` (all of them for `undefined`), in table order: a
 * backend or peer name selects every row on it, a row label that row. Throws
 * {@link UsageError} naming any unknown name.
 */
export function selectRunners(
  runners: readonly Runner[],
  names: readonly string[] | undefined,
): Runner[] {
  if (names === undefined) return [...runners];
  const known = selectableNames(runners);
  for (const name of names) {
    if (!known.includes(name)) {
      throw new UsageError(
        `--backends: unknown backend or row "${name}" (known: ${known.join(", ")})`,
      );
    }
  }
  return runners.filter((r) => names.includes(r.backend) || names.includes(r.name));
}

/** The runners `osal maps` accepts: those whose runs report the backend's memory map. */
export function mapRunners(runners: readonly Runner[]): Runner[] {
  return runners.filter((r) => r.drawsMaps === true);
}
