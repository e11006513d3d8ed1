import { describe, expect, it } from "vitest";
import { HugePageSupport, MmapProtection, MmapStrategy } from "../src/index.js";

describe("MmapStrategy", () => {
  it("has MMTk's named strategies", () => {
    expect(MmapStrategy.DEFAULT.fields()).toEqual({
      hugePage: HugePageSupport.No,
      prot: MmapProtection.ReadWrite,
      replace: false,
      reserve: true,
      uninitialized: false,
    });
    expect(MmapStrategy.INTERNAL_MEMORY.equals(MmapStrategy.DEFAULT)).toBe(true);
    expect(MmapStrategy.TEST.replace).toBe(true);
    // As MMTk has it since its spaces are quarantined (mmtk-core #1491).
    expect(MmapStrategy.RAW_MEMORY_FREELIST.fields()).toEqual({
      hugePage: HugePageSupport.No,
      prot: MmapProtection.ReadWrite,
      replace: true,
      reserve: true,
      uninitialized: false,
    });
    expect(MmapStrategy.QUARANTINE.fields()).toEqual({
      hugePage: HugePageSupport.No,
      prot: MmapProtection.NoAccess,
      replace: false,
      reserve: false,
      uninitialized: false,
    });
  });

  it("carries MAP_UNINITIALIZED: off on every constant, set by withUninitialized, part of equals", () => {
    for (const strategy of [
      MmapStrategy.DEFAULT,
      MmapStrategy.TEST,
      MmapStrategy.RAW_MEMORY_FREELIST,
      MmapStrategy.QUARANTINE,
    ]) {
      expect(strategy.uninitialized).toBe(false);
    }
    const dirty = MmapStrategy.DEFAULT.withUninitialized(true);
    expect(dirty.uninitialized).toBe(true);
    expect(MmapStrategy.DEFAULT.uninitialized).toBe(false);
    expect(dirty.equals(MmapStrategy.DEFAULT)).toBe(false);
    expect(dirty.withUninitialized(false).equals(MmapStrategy.DEFAULT)).toBe(true);
    expect(
      new MmapStrategy({ ...MmapStrategy.DEFAULT.fields(), uninitialized: undefined })
        .uninitialized,
    ).toBe(false);
  });

  it("is immutable: builders return new values and leave the receiver alone", () => {
    const base = MmapStrategy.DEFAULT;
    const derived = base
      .withProt(MmapProtection.ReadWriteExec)
      .withHugePage(HugePageSupport.TransparentHugePages);
    expect(derived.prot).toBe("ReadWriteExec");
    expect(derived.hugePage).toBe("TransparentHugePages");
    expect(base.prot).toBe("ReadWrite");
    expect(Object.isFrozen(base)).toBe(true);
    expect(() => {
      (base as { replace: boolean }).replace = true;
    }).toThrow(TypeError);
    expect(base.withReplace(true).withReserve(false).fields()).toMatchObject({
      replace: true,
      reserve: false,
    });
  });
});
