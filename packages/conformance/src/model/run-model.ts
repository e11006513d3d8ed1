import { hex, isAccessible, type OperatingSystem, type OperatingSystemFactory } from "@osal/core";
import fc from "fast-check";
import type { ResolvedModelOptions } from "../options.js";
import { modelCommands } from "./command-arbitrary.js";
import { expectSameBytes, ModelMismatch, type ModelState } from "./commands.js";
import { MemoryModel } from "./memory-model.js";

/**
 * Runs `options.runs` random command sequences, each on a fresh backend from
 * `factory`, checking after every command that the backend's mappings, mapped
 * byte count and the bytes the command may have touched match the model, and
 * after each sequence that every byte matches. Seeded by `options.seed`; on a
 * failure fast-check shrinks the sequence and throws with the seed, the replay
 * path and the commands.
 */
export async function runModel(
  factory: OperatingSystemFactory,
  options: ResolvedModelOptions,
): Promise<void> {
  const probe = await factory();
  const capabilities = probe.capabilities;
  const property = fc.asyncProperty(
    modelCommands(capabilities, options.steps),
    async (commands) => {
      const os = await factory();
      const state: ModelState = {
        model: new MemoryModel(os.pageSize, os.addressSpaceEnd),
        capabilities,
        touched: [],
        log: [],
      };
      for (const mapping of os.getMappings()) {
        const bytes = isAccessible(mapping.prot)
          ? os.read(mapping.start, mapping.end - mapping.start)
          : undefined;
        state.model.adopt(mapping, bytes);
      }
      const checked = [...commands].map((command) => ({
        check: (m: Readonly<ModelState>) => command.check(m),
        run: (m: ModelState, real: OperatingSystem) => {
          command.run(m, real);
          verify(os, m, m.log.at(-1) ?? command.toString(), false);
        },
        toString: () => command.toString(),
      }));
      try {
        fc.modelRun(() => ({ model: state, real: os }), checked);
        verify(os, state, "the last command (every page)", true);
      } catch (error) {
        if (!(error instanceof ModelMismatch)) throw error;
        const calls = state.log.map((call, i) => `  ${i + 1}. ${call}`).join("\n");
        throw new ModelMismatch(`${error.message}\ncalls made on ${name(os)}:\n${calls}`);
      }
    },
  );
  await fc.assert(property, {
    numRuns: options.runs,
    seed: options.seed,
    ...(options.path ? { path: options.path } : {}),
    includeErrorInReport: true,
  });
}

function name(os: OperatingSystem): string {
  return `a backend with ${hex(os.pageSize)}-byte pages`;
}

/** Compares the backend with the model: layout, mapped bytes, and bytes of touched (or all) pages. */
function verify(os: OperatingSystem, state: ModelState, after: string, everyPage: boolean): void {
  const { model } = state;
  const actual = MemoryModel.layoutOf(os.getMappings());
  const expected = model.layout();
  if (actual.join("\n") !== expected.join("\n")) {
    throw new ModelMismatch(
      `after ${after}: mappings differ\n  backend: ${actual.join("\n           ") || "(none)"}\n  model:   ${expected.join("\n           ") || "(none)"}`,
    );
  }
  const mappedBytes = os.stats().mappedBytes;
  if (mappedBytes !== model.mappedBytes) {
    throw new ModelMismatch(
      `after ${after}: stats().mappedBytes is ${mappedBytes}, the model says ${model.mappedBytes}`,
    );
  }
  const p = model.pageSize;
  const pages = everyPage
    ? model.mappedPages()
    : state.touched.flatMap((r) => {
        const out: number[] = [];
        for (let a = r.start; a < r.start + r.size; a += p) out.push(a);
        return out;
      });
  for (const page of pages) {
    const expectedPage = model.page(page);
    if (!expectedPage || !isAccessible(expectedPage.prot)) continue;
    // A page the model holds no bytes for reads as zero: compare with a shared zero page.
    const expected = expectedPage.bytes ?? zeroPage(p);
    expectSameBytes(`after ${after}`, page, os.read(page, p), expected);
  }
}

let zeros = new Uint8Array(0);
/** A page of zeros, allocated once per page size (never written). */
function zeroPage(size: number): Uint8Array {
  if (zeros.length !== size) zeros = new Uint8Array(size);
  return zeros;
}
