import type { OperatingSystemFactory } from "@osal/core";
import { describe, it } from "vitest";
import { type ConformanceGroup, unmetRequirements } from "./conformance-case.js";
import { runModel } from "./model/run-model.js";
import { type ConformanceOptions, resolveModelOptions } from "./options.js";
import { accessGroup } from "./suites/access.js";
import { adviseGroup } from "./suites/advise.js";
import { argumentReproductionsGroup } from "./suites/argument-reproductions.js";
import { badCallOrderGroup } from "./suites/bad-call-order.js";
import { badInputGroup } from "./suites/bad-input.js";
import { footprintGroup } from "./suites/footprint.js";
import { highAddressesGroup } from "./suites/high-addresses.js";
import { introspectionGroup } from "./suites/introspection.js";
import { lazyZeroingGroup } from "./suites/lazy-zeroing.js";
import { linuxMmapGroup } from "./suites/linux-mmap.js";
import { linuxRemapGroup } from "./suites/linux-remap.js";
import { mappingGroup } from "./suites/mapping.js";
import { placementGroup } from "./suites/placement.js";
import { processGroup } from "./suites/process.js";
import { protectionGroup } from "./suites/protection.js";
import { remapGroup } from "./suites/remap.js";
import { statsGroup } from "./suites/stats.js";
import { unmapGroup } from "./suites/unmap.js";
import { wrongTypeGroup } from "./suites/wrong-type.js";

/** Every group of behaviour cases, in the order they are registered. */
export const conformanceGroups: readonly ConformanceGroup[] = [
  mappingGroup,
  placementGroup,
  unmapGroup,
  remapGroup,
  linuxRemapGroup,
  linuxMmapGroup,
  protectionGroup,
  adviseGroup,
  accessGroup,
  introspectionGroup,
  statsGroup,
  footprintGroup,
  processGroup,
  badInputGroup,
  badCallOrderGroup,
  wrongTypeGroup,
  argumentReproductionsGroup,
];

/** Milliseconds the model test may take per command, generous for slow CI machines. */
const MODEL_MS_PER_COMMAND = 20;

/**
 * Registers the osal conformance suite for one backend as vitest `describe`/`it`
 * blocks: call it at the top level of a test file. `factory` is called once per
 * test (and once per model sequence) so every test starts from a fresh instance.
 *
 * Tests are gated on the backend's declared `capabilities`: a declared capability
 * must work; an undeclared one must fail with the documented error and change
 * nothing. A test whose capability does not apply is reported as skipped, naming
 * the flag. The model-based test runs random command sequences against a model
 * of the expected mappings and bytes; scale it with `options.model` or the
 * `OSAL_MODEL_RUNS` / `OSAL_MODEL_STEPS` / `OSAL_MODEL_SEED` environment variables.
 */
export function runConformance(
  name: string,
  factory: OperatingSystemFactory,
  options: ConformanceOptions = {},
): void {
  const model = resolveModelOptions(options.model);
  const groups = [
    ...conformanceGroups,
    ...(options.lazyZeroing ? [lazyZeroingGroup] : []),
    ...(options.highAddresses ? [highAddressesGroup] : []),
  ];
  describe(`osal conformance: ${name}`, () => {
    for (const group of groups) {
      describe(group.title, () => {
        for (const testCase of group.cases) {
          it(testCase.name, async (context) => {
            const os = await factory();
            const unmet = unmetRequirements(os.capabilities, testCase.requires);
            if (unmet.length > 0) context.skip(`applies when ${unmet.join(", ")}`);
            await testCase.run(os, { skip: (reason) => context.skip(reason) });
          });
        }
      });
    }
    describe("model-based random sequences", () => {
      it.skipIf(model.runs === 0)(
        `${model.runs} sequences of up to ${model.steps} commands (seed ${model.seed}) match the model`,
        () => runModel(factory, model),
        Math.max(30_000, model.runs * model.steps * MODEL_MS_PER_COMMAND),
      );
    });
  });
}
