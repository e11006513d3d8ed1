import { describe, expect, it } from "vitest";
import {
  Errno,
  errnoCodeOf,
  hasErrorCode,
  MemoryFault,
  MmapAnnotation,
  MmapError,
  OSError,
} from "../src/index.js";

describe("errors", () => {
  it("MmapError carries Node-style code, Linux errno, syscall, range and annotation", () => {
    const error = new MmapError({
      code: "ENOMEM",
      syscall: "mmap",
      address: 0x10000,
      size: 0x200000,
      annotation: MmapAnnotation.space("immix"),
    });
    expect(error).toBeInstanceOf(OSError);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      code: "ENOMEM",
      errno: 12,
      syscall: "mmap",
      address: 0x10000,
      size: 0x200000,
    });
    expect(error.message).toBe(
      "ENOMEM: cannot allocate memory, mmap (range 0x10000+0x200000; space:immix)",
    );
    expect(hasErrorCode(error, "ENOMEM")).toBe(true);
    expect(hasErrorCode(new Error("x"), "ENOMEM")).toBe(false);
  });

  it("MemoryFault is an EFAULT MmapError with the faulting address", () => {
    const fault = new MemoryFault({
      syscall: "read",
      address: 0x1000,
      size: 8,
      faultAddress: 0x1004,
      reason: "unmapped",
    });
    expect(fault).toBeInstanceOf(MmapError);
    expect(fault).toMatchObject({
      code: "EFAULT",
      errno: 14,
      faultAddress: 0x1004,
      reason: "unmapped",
    });
    expect(fault.message).toContain("0x1004");
  });

  it("maps errno numbers to codes with Linux's values", () => {
    expect(Errno).toMatchObject({
      EPERM: 1,
      ENOMEM: 12,
      EFAULT: 14,
      EEXIST: 17,
      ENODEV: 19,
      EINVAL: 22,
      ENOTSUP: 95,
    });
    expect(errnoCodeOf(17)).toBe("EEXIST");
    expect(errnoCodeOf(9999)).toBeUndefined();
  });
});
