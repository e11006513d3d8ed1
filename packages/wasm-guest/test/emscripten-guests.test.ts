import { describe, expect, it } from "vitest";
import { pageManager } from "./support/backends.js";
import { describeGuestMatrix, recorded } from "./support/run-matrix.js";
import { describeZendFigures, zendFloorBytes } from "./support/zend-floor.js";

const results = describeGuestMatrix("emscripten");
const MiB = 1024 * 1024;

describe("zend, 4 000 steps, Emscripten", () => {
  it("completes on the page manager taking its pages from the guest's sbrk; peak linear memory within 1.60 x peak live (measured 1.57)", () => {
    const zend = recorded(results, `zend/${pageManager.name}`);
    expect(zend.status).toBe("ok");
    expect(zend.completedSteps).toBe(4000);
    expect(zend.peakMemoryBytes / zend.peakLiveBytes).toBeLessThanOrEqual(1.6);
    const floor = zendFloorBytes(zend);
    expect(floor).toBeGreaterThan(0);
    expect(floor).toBeLessThanOrEqual(zend.peakMemoryBytes);
    console.log(describeZendFigures(zend));
  });

  it("on Emscripten's libc mmap runs out of the 4 GiB linear memory with under 150 MiB live", () => {
    const zend = recorded(results, "zend/libc");
    expect(zend.status).toBe("out-of-memory");
    expect(zend.completedSteps).toBeGreaterThan(2000);
    expect(zend.completedSteps).toBeLessThan(4000);
    expect(zend.peakMemoryBytes).toBeGreaterThan(4096 * MiB - 64 * MiB);
    expect(zend.peakLiveBytes).toBeLessThan(150 * MiB);
    // Every partial munmap of the alignment trim fails and leaks; mremap never works.
    expect(zend.failedCalls.munmap).toBeGreaterThan(2000);
    expect(zend.failedCalls.mremap).toBe(zend.calls.mremap);
    expect(zendFloorBytes(zend)).toBeLessThanOrEqual(zend.peakMemoryBytes);
    console.log(describeZendFigures(zend));
  });
});
