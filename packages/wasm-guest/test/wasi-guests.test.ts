import { describe, expect, it } from "vitest";
import { pageManager } from "./support/backends.js";
import { describeGuestMatrix, recorded } from "./support/run-matrix.js";

const results = describeGuestMatrix("wasi");

describe("zend, 4 000 steps, clang + wasi-libc", () => {
  it("completes on the page manager; linear memory stays within 1.45 x peak live (measured 1.38)", () => {
    const zend = recorded(results, `zend/${pageManager.name}`);
    expect(zend.completedSteps).toBe(4000);
    expect(zend.peakMemoryBytes / zend.peakLiveBytes).toBeLessThanOrEqual(1.45);
  });

  // Issue 6 asks for peak linear memory <= 1.10 x peak live on the page manager.
  // Not met today: zend's 2-16 MiB huge blocks, 2 MiB-aligned, leave holes that
  // first-fit placement cannot reuse (the conformance zend workload measures the
  // same). Any placement is bounded below by the 2 MiB slots held: 1.085 for this
  // run. When the page manager gets there this starts passing: make it `it`.
  it.fails("meets the issue's bound: peak linear memory <= 1.10 x peak live", () => {
    const zend = recorded(results, `zend/${pageManager.name}`);
    expect(zend.peakMemoryBytes / zend.peakLiveBytes).toBeLessThanOrEqual(1.1);
  });

  it("on wasi-libc's emulated mmap stops at once: its addresses are not page-aligned", () => {
    const zend = recorded(results, "zend/libc");
    expect(zend.completedSteps).toBeLessThan(5);
    expect(zend.message).toMatch(/mmap result is page-aligned/);
  });
});
