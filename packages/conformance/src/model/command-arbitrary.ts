import type { Capabilities } from "@osal/core";
import fc from "fast-check";
import { ANNOTATION_FORMS, BYTES_FORMS, OPTION_FORMS } from "./arguments.js";
import { type Action, ModelCommand, protections } from "./commands.js";

/** The arbitrary producing every command the backend's capabilities allow. */
export function modelCommands(capabilities: Capabilities, maxCommands: number) {
  const pick = fc.nat(1000);
  const offset = fc.nat(7);
  const pages = fc.integer({ min: 1, max: 4 });
  const prot = fc.nat(protections.length - 1);
  const alignLog = fc.nat(4);
  const note = fc.nat(ANNOTATION_FORMS - 1);
  const actions: fc.Arbitrary<Action>[] = [
    fc.record({ kind: fc.constant("map"), pages, alignLog, prot, reserve: fc.boolean(), note }),
    fc.record({ kind: fc.constant("preferred"), pick, offset, pages, alignLog: fc.nat(2), note }),
    fc.record({ kind: fc.constant("munmap"), pick, offset, pages: fc.integer({ min: 1, max: 5 }) }),
    fc.record({
      kind: fc.constant("mremap"),
      pick,
      offset,
      pages,
      newPages: fc.integer({ min: 1, max: 6 }),
      mayMove: fc.boolean(),
      form: fc.nat(OPTION_FORMS - 1),
    }),
    fc.record({ kind: fc.constant("mprotect"), pick, offset, pages, prot }),
    fc.record({ kind: fc.constant("dontneed"), pick, offset, pages }),
    fc.record({ kind: fc.constant("panic"), pick, offset, pages }),
    ...(["write", "fill", "read"] as const).map((kind) =>
      fc.record({
        kind: fc.constant(kind),
        pick,
        at: fc.nat(1 << 16),
        nearEnd: fc.boolean(),
        length: fc.integer({ min: 1, max: 96 }),
        seed: fc.nat(1 << 16),
        form: fc.nat(BYTES_FORMS - 1),
      }),
    ),
  ];
  if (capabilities.fixed || capabilities.noReplace) {
    const replace =
      capabilities.fixed && capabilities.noReplace ? fc.boolean() : fc.constant(capabilities.fixed);
    actions.push(
      fc.record({ kind: fc.constant("place"), replace, pick, offset, pages, prot, note }),
    );
  }
  return fc.commands(
    actions.map((action) => action.map((a) => new ModelCommand(a))),
    { maxCommands, size: "max" },
  );
}
