import { MmapAnnotation, MmapStrategy } from "@osal/core";
import { describe, expect, it } from "vitest";
import { Linux, loadLibc } from "../src/libc.js";
import { closingFactory } from "./instances.js";
import { expectKernelAgrees } from "./kernel-agreement.js";

const make = closingFactory();

describe("the table and the kernel agree (issue 15)", () => {
  it("the check sees a change made behind the backend's back", () => {
    const os = make();
    const p = os.pageSize;
    const start = os.dzmmapAnywhere(2 * p, p, MmapStrategy.DEFAULT);
    expectKernelAgrees(os);
    loadLibc().mprotect(start, p, Linux.PROT_READ);
    expect(() => expectKernelAgrees(os)).toThrow(/kernel|node-posix/);
    loadLibc().mprotect(start, p, Linux.PROT_READ | Linux.PROT_WRITE);
    expectKernelAgrees(os);
  });

  it("R1: a null annotation fails before the kernel is called; listings and later calls work", () => {
    const os = make();
    const p = os.pageSize;
    const start = os.dzmmapAnywhere(2 * p, p, MmapStrategy.DEFAULT, MmapAnnotation.space("a"));
    const before = os.getMappings();
    const bad = null as unknown as MmapAnnotation;
    expect(() => os.dzmmap(start, 2 * p, MmapStrategy.TEST, bad)).toThrow(/EINVAL/);
    expect(() => os.dzmmapAnywhere(2 * p, p, MmapStrategy.DEFAULT, bad)).toThrow(/EINVAL/);
    expect(os.getMappings()).toEqual(before);
    expectKernelAgrees(os);
    expect(os.mremap(start, 2 * p, 4 * p, { mayMove: true })).toBeGreaterThan(0);
    expectKernelAgrees(os);
  });

  it("R2: a write that is refused has written nothing", () => {
    const os = make();
    const p = os.pageSize;
    const start = os.dzmmapAnywhere(p, p, MmapStrategy.DEFAULT);
    expect(() => os.write(start, [1, 2, 3] as unknown as Uint8Array)).toThrow(/EINVAL/);
    expect(() => os.write(start, "abc" as unknown as Uint8Array)).toThrow(/EINVAL/);
    expect(os.read(start, 3)).toEqual(new Uint8Array(3));
    expectKernelAgrees(os);
  });
});
