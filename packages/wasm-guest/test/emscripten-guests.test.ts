import { describe, expect, it } from "vitest";
import { pageManager } from "./support/backends.js";
import { describeGuestMatrix, recorded } from "./support/run-matrix.js";

const results = describeGuestMatrix("emscripten");
const MiB = 1024 * 1024;

describe("zend, 4 000 steps, Emscripten", () => {
  it("completes on the page manager taking its pages from the guest's sbrk", () => {
    const zend = recorded(results, `zend/${pageManager.name}`);
    expect(zend.completedSteps).toBe(4000);
    expect(zend.peakMemoryBytes / zend.peakLiveBytes).toBeLessThanOrEqual(1.75);
  });

  it("on Emscripten's libc mmap runs out of the 4 GiB linear memory with under 150 MiB live", () => {
    const zend = recorded(results, "zend/libc");
    expect(zend.status).toBe("out-of-memory");
    expect(zend.completedSteps).toBeGreaterThan(1000);
    expect(zend.completedSteps).toBeLessThan(4000);
    expect(zend.peakMemoryBytes).toBeGreaterThan(4096 * MiB - 64 * MiB);
    expect(zend.peakLiveBytes).toBeLessThan(150 * MiB);
    expect(zend.failedCalls.munmap).toBeGreaterThan(1000);
  });
});
