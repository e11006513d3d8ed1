import {
  type Capabilities,
  hex,
  MemoryFault,
  type MmapAnnotation,
  MmapProtection,
  MmapStrategy,
  type MremapOptions,
  type OperatingSystem,
} from "@osal/core";
import type fc from "fast-check";
import { pattern } from "../fixtures.js";
import { drawAnnotation, drawBytes, drawFillValue, drawRemapOptions } from "./arguments.js";
import { MemoryModel, type ModelRange } from "./memory-model.js";
import {
  aimAt,
  attempt,
  describeOutcome,
  expectFreshRange,
  expectSameBytes,
  failCleanly,
  listedAsOne,
  ModelMismatch,
  pickFrom,
  succeed,
} from "./outcomes.js";

export { expectSameBytes, ModelMismatch } from "./outcomes.js";

/**
 * The random commands of the model-based test. Each command holds only small
 * numbers (which region, which offset, how many pages); it resolves them
 * against the model when it runs, so a sequence stays meaningful while
 * fast-check shrinks it. Every command applies its call to the backend, checks
 * the outcome the model predicts (result, or error code with nothing changed),
 * then updates the model.
 */

/** The model plus what the commands need to know about the backend. */
export interface ModelState {
  readonly model: MemoryModel;
  readonly capabilities: Capabilities;
  /** Ranges whose bytes the last command may have changed, for the byte check after it. */
  touched: ModelRange[];
  /** The calls made so far in this sequence, with addresses and results, for failure reports. */
  readonly log: string[];
}

/** Most pages the model lets be mapped at once, to keep byte checks cheap. */
const MAX_MAPPED_PAGES = 48;

/** The protections commands draw from (read-write twice as likely). */
export const protections = [
  MmapProtection.ReadWrite,
  MmapProtection.ReadWrite,
  MmapProtection.ReadWriteExec,
  MmapProtection.NoAccess,
] as const;

/** One command's random choices. */
export type Action =
  | { kind: "map"; pages: number; alignLog: number; prot: number; reserve: boolean; note: number }
  | {
      kind: "place";
      replace: boolean;
      pick: number;
      offset: number;
      pages: number;
      prot: number;
      note: number;
    }
  | {
      kind: "preferred";
      pick: number;
      offset: number;
      pages: number;
      alignLog: number;
      note: number;
    }
  | { kind: "munmap"; pick: number; offset: number; pages: number }
  | {
      kind: "mremap";
      pick: number;
      offset: number;
      pages: number;
      newPages: number;
      mayMove: boolean;
      form: number;
    }
  | { kind: "mprotect"; pick: number; offset: number; pages: number; prot: number }
  | { kind: "dontneed" | "panic"; pick: number; offset: number; pages: number }
  | {
      kind: "write" | "fill" | "read";
      pick: number;
      at: number;
      nearEnd: boolean;
      length: number;
      seed: number;
      form: number;
    };

/** One random command. */
export class ModelCommand implements fc.Command<ModelState, OperatingSystem> {
  /** The call as resolved by the current run; logged, never shown by `toString`. */
  private description = "";

  constructor(private readonly action: Action) {}

  check(state: Readonly<ModelState>): boolean {
    const { model, capabilities } = state;
    const a = this.action;
    switch (a.kind) {
      case "map":
        return model.mappedBytes / model.pageSize < MAX_MAPPED_PAGES;
      case "place":
        return (
          (a.replace ? capabilities.fixed : capabilities.noReplace) &&
          model.known.length > 0 &&
          model.mappedBytes / model.pageSize < MAX_MAPPED_PAGES
        );
      case "preferred":
        return model.known.length > 0 && model.mappedBytes / model.pageSize < MAX_MAPPED_PAGES;
      default:
        return model.regions.length > 0;
    }
  }

  run(state: ModelState, os: OperatingSystem): void {
    state.touched = [];
    this.description = `${this.action.kind} (unresolved)`;
    try {
      this.dispatch(state, os);
    } finally {
      state.log.push(this.description);
    }
  }

  /**
   * The command's random choices, which stay the same whichever sequence it is
   * in (the addresses it resolves to depend on the commands before it; the
   * failure message lists those).
   */
  toString(): string {
    const { kind, ...choices } = this.action;
    return `${kind}(${Object.entries(choices)
      .map(([key, value]) => `${key}=${String(value)}`)
      .join(",")})`;
  }

  private dispatch(state: ModelState, os: OperatingSystem): void {
    const a = this.action;
    switch (a.kind) {
      case "map":
        this.map(state, os, a);
        return;
      case "place":
        this.place(state, os, a);
        return;
      case "preferred":
        this.preferred(state, os, a);
        return;
      case "munmap":
        this.munmap(state, os, a);
        return;
      case "mremap":
        this.mremap(state, os, a);
        return;
      case "mprotect":
      case "dontneed":
      case "panic":
        this.rangeCall(state, os, a);
        return;
      default:
        this.access(state, os, a);
        return;
    }
  }

  private map(state: ModelState, os: OperatingSystem, a: Extract<Action, { kind: "map" }>): void {
    const { model } = state;
    const size = a.pages * model.pageSize;
    const align = model.pageSize * 2 ** a.alignLog;
    const prot = protections[a.prot % protections.length]!;
    const strategy = MmapStrategy.DEFAULT.withProt(prot).withReserve(a.reserve);
    const note = drawAnnotation(a.note, model.known.length);
    const annotation = note.value as MmapAnnotation;
    this.description = `dzmmapAnywhere(${hex(size)}, ${hex(align)}, ${prot}, reserve=${a.reserve}, ${note.label})`;
    if (!note.valid) {
      failCleanly(this.description, "EINVAL", () =>
        os.dzmmapAnywhere(size, align, strategy, annotation),
      );
      return;
    }
    const start = succeed(this.description, () =>
      os.dzmmapAnywhere(size, align, strategy, annotation),
    );
    note.scribble?.();
    this.description += ` -> ${hex(start)}`;
    expectFreshRange(this.description, model, start, size, align);
    model.map(start, size, { prot, reserve: a.reserve, annotation: note.display });
    state.touched.push({ start, size });
  }

  private place(
    state: ModelState,
    os: OperatingSystem,
    a: Extract<Action, { kind: "place" }>,
  ): void {
    const { model, capabilities } = state;
    const target = aimAt(model, model.known, a.pick, a.offset, a.pages);
    const prot = protections[a.prot % protections.length]!;
    const strategy = MmapStrategy.DEFAULT.withProt(prot).withReplace(a.replace);
    const note = drawAnnotation(a.note, model.known.length);
    const annotation = note.value as MmapAnnotation;
    this.description = `dzmmap(${hex(target.start)}, ${hex(target.size)}, ${prot}, replace=${a.replace}, ${note.label})`;
    const call = () => os.dzmmap(target.start, target.size, strategy, annotation);
    if (!note.valid) {
      failCleanly(this.description, "EINVAL", call);
      return;
    }
    const free = model.isFree(target.start, target.size);
    if (a.replace && !free && !capabilities.partialUnmap) {
      this.description += " skipped: would replace part of a mapping without partialUnmap";
      return;
    }
    state.touched.push(target);
    if (!a.replace && !free) {
      failCleanly(this.description, "EEXIST", call);
      return;
    }
    succeed(this.description, call);
    note.scribble?.();
    model.map(target.start, target.size, { prot, reserve: true, annotation: note.display });
  }

  private preferred(
    state: ModelState,
    os: OperatingSystem,
    a: Extract<Action, { kind: "preferred" }>,
  ): void {
    const { model, capabilities } = state;
    const hint = aimAt(model, model.known, a.pick, a.offset, a.pages);
    const align = model.pageSize * 2 ** a.alignLog;
    const note = drawAnnotation(a.note, model.known.length);
    const annotation = note.value as MmapAnnotation;
    this.description = `dzmmapPreferred(${hex(hint.start)}, ${hex(hint.size)}, ${hex(align)}, ${note.label})`;
    const call = () =>
      os.dzmmapPreferred(hint.start, hint.size, align, MmapStrategy.DEFAULT, annotation);
    if (!note.valid) {
      failCleanly(this.description, "EINVAL", call);
      return;
    }
    const start = succeed(this.description, call);
    note.scribble?.();
    this.description += ` -> ${hex(start)}`;
    const usable =
      (capabilities.fixed || capabilities.noReplace) &&
      hint.start % align === 0 &&
      model.isFree(hint.start, hint.size);
    if (usable && start !== hint.start) {
      throw new ModelMismatch(
        `${this.description}: the hint was free, so it should have been used`,
      );
    }
    if (start !== hint.start) expectFreshRange(this.description, model, start, hint.size, align);
    else if (!model.isFree(start, hint.size)) {
      throw new ModelMismatch(`${this.description}: the hint overlaps an existing mapping`);
    }
    model.map(start, hint.size, {
      prot: MmapProtection.ReadWrite,
      reserve: true,
      annotation: note.display,
    });
    state.touched.push({ start, size: hint.size });
  }

  private munmap(
    state: ModelState,
    os: OperatingSystem,
    a: Extract<Action, { kind: "munmap" }>,
  ): void {
    const { model, capabilities } = state;
    const target = capabilities.partialUnmap
      ? aimAt(model, model.regions, a.pick, a.offset, a.pages)
      : pickFrom(model.regions, a.pick);
    this.description = `munmap(${hex(target.start)}, ${hex(target.size)})`;
    succeed(this.description, () => os.munmap(target.start, target.size));
    model.unmap(target.start, target.size);
  }

  private mremap(
    state: ModelState,
    os: OperatingSystem,
    a: Extract<Action, { kind: "mremap" }>,
  ): void {
    const { model, capabilities } = state;
    const p = model.pageSize;
    const region = pickFrom(model.regions, a.pick);
    let old = region;
    if (capabilities.partialUnmap) {
      const pages = region.size / p;
      const offset = a.offset % pages;
      old = { start: region.start + offset * p, size: Math.min(a.pages, pages - offset) * p };
    }
    let newSize = a.newPages * p;
    if (!capabilities.partialUnmap) newSize = Math.max(newSize, old.size);
    const drawn = drawRemapOptions(a.form, a.mayMove);
    const options = drawn.value as MremapOptions;
    this.description = `mremap(${hex(old.start)}, ${hex(old.size)}, ${hex(newSize)}, ${drawn.label})`;
    if (!drawn.valid) {
      state.touched.push(old);
      failCleanly(this.description, "EINVAL", () =>
        os.mremap(old.start, old.size, newSize, options),
      );
      return;
    }
    if (!model.isOneMapping(old.start, old.size)) {
      this.description += " skipped: not within one mapping";
      return;
    }
    if (!listedAsOne(os, old)) {
      // Same visible attributes, but the backend keeps them apart (Linux does after
      // mprotect makes part of a PROT_NONE mapping writable: VM_ACCOUNT differs).
      this.description += " skipped: the backend lists the range as several mappings";
      return;
    }
    state.touched.push(old);
    const grow = newSize - old.size;
    const roomAfter = grow > 0 && model.isFree(old.start + old.size, grow);
    if (grow > 0 && !a.mayMove && !(capabilities.remapInPlace && roomAfter)) {
      failCleanly(this.description, "ENOMEM", () =>
        os.mremap(old.start, old.size, newSize, options),
      );
      return;
    }
    const start = succeed(this.description, () => os.mremap(old.start, old.size, newSize, options));
    this.description += ` -> ${hex(start)}`;
    if (grow <= 0 || !a.mayMove) {
      if (start !== old.start) {
        throw new ModelMismatch(`${this.description}: should have stayed at ${hex(old.start)}`);
      }
    } else if (start === old.start) {
      if (!roomAfter)
        throw new ModelMismatch(`${this.description}: grew in place over mapped pages`);
    } else {
      const others = new MemoryModel(p, model.addressSpaceEnd);
      for (const page of model.mappedPages()) {
        if (page < old.start || page >= old.start + old.size) {
          others.map(page, p, {
            prot: MmapProtection.ReadWrite,
            reserve: true,
            annotation: undefined,
          });
        }
      }
      expectFreshRange(this.description, others, start, newSize, p);
    }
    model.remap(old.start, old.size, start, newSize);
    state.touched.push({ start, size: newSize });
  }

  private rangeCall(
    state: ModelState,
    os: OperatingSystem,
    a: Extract<Action, { kind: "mprotect" | "dontneed" | "panic" }>,
  ): void {
    const { model } = state;
    const { start, size } = aimAt(model, model.regions, a.pick, a.offset, a.pages);
    const range = `${hex(start)}, ${hex(size)}`;
    state.touched.push({ start, size });
    const mapped = model.isMapped(start, size);
    if (a.kind === "panic") {
      this.description = `panicIfUnmapped(${range})`;
      if (mapped) succeed(this.description, () => os.panicIfUnmapped(start, size));
      else failCleanly(this.description, "EFAULT", () => os.panicIfUnmapped(start, size));
      return;
    }
    const prot = a.kind === "mprotect" ? protections[a.prot % protections.length]! : undefined;
    const call = prot
      ? () => os.setMemoryAccess(start, size, prot)
      : () => os.madvise(start, size, "dontneed");
    this.description = prot ? `setMemoryAccess(${range}, ${prot})` : `madvise(${range}, dontneed)`;
    if (!mapped) {
      failCleanly(this.description, "ENOMEM", call);
      return;
    }
    succeed(this.description, call);
    if (prot) model.protect(start, size, prot);
    else model.dontneed(start, size);
  }

  private access(
    state: ModelState,
    os: OperatingSystem,
    a: Extract<Action, { kind: "write" | "fill" | "read" }>,
  ): void {
    const { model } = state;
    const p = model.pageSize;
    const region = pickFrom(model.regions, a.pick);
    const page = region.start + (a.at % (region.size / p)) * p;
    const address = a.nearEnd ? page + p - Math.ceil(a.length / 2) : page + (a.at % 64);
    const byte = a.seed % 256;
    const bytes =
      a.kind === "write" ? pattern(a.length, a.seed) : new Uint8Array(a.length).fill(byte);
    const given = drawBytes(a.form, bytes);
    const value = drawFillValue(a.form, byte);
    const call = {
      write: () => os.write(address, given.value as Uint8Array),
      fill: () => os.fill(address, a.length, value.value as number),
      read: () => os.read(address, a.length),
    }[a.kind];
    this.description =
      a.kind === "write"
        ? `write(${hex(address)}, <${a.length} bytes, ${given.label}>)`
        : a.kind === "fill"
          ? `fill(${hex(address)}, ${a.length}, ${value.label})`
          : `read(${hex(address)}, ${a.length})`;
    state.touched.push({ start: page, size: Math.min(2 * p, model.addressSpaceEnd - page) });
    if ((a.kind === "write" && !given.valid) || (a.kind === "fill" && !value.valid)) {
      failCleanly(this.description, "EINVAL", call);
      return;
    }
    const fault = model.accessFault(address, a.length);
    if (fault) {
      const error = attempt(call);
      if (
        !(error instanceof MemoryFault) ||
        error.faultAddress !== fault.faultAddress ||
        error.reason !== fault.reason
      ) {
        throw new ModelMismatch(
          `${this.description}: expected MemoryFault (${fault.reason}) at ${hex(fault.faultAddress)}, got ${describeOutcome(error)}`,
        );
      }
      return;
    }
    const result = succeed(this.description, call);
    if (a.kind === "read") {
      expectSameBytes(
        this.description,
        address,
        result as unknown as Uint8Array,
        model.read(address, a.length),
      );
    } else {
      model.write(address, bytes);
    }
  }
}
