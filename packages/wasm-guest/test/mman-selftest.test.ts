import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Capabilities } from "@osal/core";
import { programUrl } from "@osal/guests";
import { describe, expect, it } from "vitest";
import type { GuestToolchain } from "../src/index.js";
import { runGuest } from "../src/node/index.js";
import { type GuestBackend, guestBackends, pageManager4k } from "./support/backends.js";

/**
 * The Linux mm selftest cases of `guests/c/selftest/mman_selftest.c`, built
 * with `osal-guest-flags` only, on every wasm backend and both toolchains. A
 * case passes where the backend has the capabilities it needs; elsewhere it
 * must fail with the errno the missing capability declares ("-": the call
 * succeeded but could not do what Linux does, e.g. a hint it cannot honour).
 */
type Need = readonly (readonly [keyof Capabilities, string])[];
const NOREPLACE: Need = [["noReplace", "ENOTSUP"]];
const FIXED: Need = [["fixed", "ENOTSUP"]];
const PARTIAL: Need = [["partialUnmap", "EINVAL"]];
const IN_PLACE: Need = [["remapInPlace", "ENOMEM"]];
const ACROSS: Need = [["remapAcrossMappings", "EFAULT"]];
const REMAP_FIXED: Need = [["remapFixed", "ENOTSUP"]];
const DONTUNMAP: Need = [["remapDontUnmap", "ENOTSUP"]];
// A backend that cannot place mappings may ignore a hint ("-"), or not find
// room for the case's 8 MiB window at all (wasm-posix-memalign on Emscripten,
// whose aligned_alloc fails for large aligned blocks).
const HINT: Need = [
  ["fixed", "-"],
  ["fixed", "ENOMEM"],
];

const cases: Readonly<Record<string, Need>> = {
  noreplace_overlap_head: NOREPLACE,
  noreplace_overlap_tail: NOREPLACE,
  noreplace_inside: NOREPLACE,
  noreplace_exact: NOREPLACE,
  noreplace_covering: NOREPLACE,
  noreplace_adjacent_before: NOREPLACE,
  noreplace_adjacent_after: NOREPLACE,
  fixed_replace_middle: FIXED,
  expand_merge: [...PARTIAL, ...IN_PLACE],
  expand_merge_offset: [...PARTIAL, ...IN_PLACE],
  move_within_range: [...FIXED, ...REMAP_FIXED],
  fixed_replaces_destination: REMAP_FIXED,
  misaligned_source: [],
  misaligned_destination: [],
  overlapping_destination: [],
  shrink_across_mappings: ACROSS,
  shrink_across_hole: [...PARTIAL, ...ACROSS],
  move_across_mappings: [...REMAP_FIXED, ...ACROSS],
  move_across_mappings_dontunmap: [...REMAP_FIXED, ...ACROSS, ...DONTUNMAP],
  dontunmap_simple: DONTUNMAP,
  dontunmap_fixed: [...DONTUNMAP, ...REMAP_FIXED],
  dontunmap_needs_maymove: [],
  hint_free: HINT,
  hint_large_unaligned: HINT,
  hint_taken: [],
  shared_anonymous: [],
};

function selftestFile(toolchain: GuestToolchain): string {
  const file = fileURLToPath(programUrl("mman-selftest", toolchain));
  if (!existsSync(file)) throw new Error(`missing ${file}: run packages/guests/build.sh`);
  return file;
}

/** The expected line ending for a case on a backend: `PASS` or `FAIL <one of the errnos>`. */
function expected(need: Need, capabilities: Capabilities): readonly string[] {
  const missing = need.filter(([capability]) => !capabilities[capability]);
  return missing.length === 0 ? ["PASS"] : missing.map(([, errno]) => `FAIL ${errno}`);
}

const backends: readonly GuestBackend[] = [pageManager4k, ...guestBackends];
const passedPerBackend = new Map<string, string>();

describe.each(["wasi", "emscripten"] as const)("mman-selftest (%s)", (toolchain) => {
  for (const backend of backends.filter((b) => b.toolchains.includes(toolchain))) {
    it(`each case passes on ${backend.name}, or fails with the errno its capabilities declare`, async () => {
      const run = await runGuest({
        toolchain,
        file: selftestFile(toolchain),
        backend: backend.factory,
      });
      expect(run.error, run.stderr).toBeUndefined();
      expect(run.exitCode).toBe(0);
      const lines = new Map(
        run.stdout
          .split("\n")
          .filter((l) => l.startsWith("SELFTEST "))
          .map((l) => {
            const [, name = "", ...rest] = l.split(" ");
            return [name, rest.join(" ")] as const;
          }),
      );
      expect([...lines.keys()].sort()).toEqual(Object.keys(cases).sort());
      const failures = [...lines].filter(([, outcome]) => outcome !== "PASS");
      console.log(`${toolchain} ${backend.name}: ${failures.map((f) => f.join(" ")).join("; ")}`);
      const capabilities = run.os?.capabilities as Capabilities;
      const pageLine = run.stdout.split("\n").find((l) => l.startsWith("SELFTEST-PAGE "));
      expect(Number(pageLine?.split(" ")[1])).toBe(run.os?.pageSize);
      let passed = 0;
      for (const [name, need] of Object.entries(cases)) {
        const outcome = lines.get(name) ?? "";
        const allowed = expected(need, capabilities);
        // Doing what Linux does is always right (a hint is advice a backend
        // may happen to honour; a backend may manage a shape it does not
        // declare); failing is right only with the declared errno.
        const matches =
          outcome === "PASS" || allowed.some((want) => outcome.startsWith(`${want} `));
        expect(matches, `${name}: ${outcome} (expected ${allowed.join(" or ")})`).toBe(true);
        if (outcome === "PASS") passed++;
      }
      passedPerBackend.set(`${toolchain} ${backend.name}`, `${passed}/${lines.size}`);
      console.log(
        `mman-selftest ${toolchain} on ${backend.name}: ${passed}/${lines.size} cases pass`,
      );
    });
  }
});
