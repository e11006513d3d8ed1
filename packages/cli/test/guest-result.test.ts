import { describe, expect, it } from "vitest";
import { guestStopCode, guestWorkloadResult } from "../src/runners/guest-result.js";

const calls = { mmap: 10, munmap: 8, mremap: 2, mprotect: 0, madvise: 0 };

describe("guestWorkloadResult", () => {
  it("reads a completed guest's figures as a workload result", () => {
    const result = guestWorkloadResult(
      "zend",
      {
        status: "ok",
        completedSteps: 100,
        liveBytes: 0,
        peakLiveBytes: 64 * 2 ** 20,
        peakMemoryBytes: 96 * 2 ** 20,
        calls,
        failedCalls: { mmap: 0, munmap: 0, mremap: 1, mprotect: 0, madvise: 0 },
        message: "completed",
      },
      4,
      12345,
    );
    expect(result).toEqual({
      workload: "zend",
      completed: true,
      stepsDone: 100,
      peakLiveBytes: 64 * 2 ** 20,
      peakFootprintBytes: 96 * 2 ** 20,
      footprintRatio: 1.5,
      zeroedBytes: 12345,
      failedCalls: 1,
      operations: 20,
      elapsedMs: 4,
      usPerOperation: 200,
    });
  });

  it("turns a stop into a failure at the step reached, out-of-memory as ENOMEM", () => {
    const result = guestWorkloadResult(
      "sgen",
      {
        status: "out-of-memory",
        completedSteps: 7,
        liveBytes: 1,
        peakLiveBytes: 0,
        peakMemoryBytes: 2 ** 32,
        calls,
        failedCalls: { mmap: 1, munmap: 0, mremap: 0, mprotect: 0, madvise: 0 },
        message: "mmap of 1048576 bytes: out of memory",
      },
      1,
      0,
    );
    expect(result.completed).toBe(false);
    expect(result.footprintRatio).toBe(0);
    expect(result.failure).toEqual({
      step: 7,
      code: "ENOMEM",
      message: "mmap of 1048576 bytes: out of memory",
    });
  });
});

describe("guestStopCode", () => {
  it("names a failed call by its Linux errno name, from the guest's message", () => {
    expect(
      guestStopCode("call-failed", "mmap (quarantine) failed with EINVAL (Invalid argument)"),
    ).toBe("EINVAL");
    expect(guestStopCode("call-failed", "munmap failed with ENOTSUP (Not supported)")).toBe(
      "ENOTSUP",
    );
    expect(guestStopCode("call-failed", "something else")).toBe("call-failed");
    expect(guestStopCode("out-of-memory", "mmap of 4096 bytes: out of memory")).toBe("ENOMEM");
    expect(guestStopCode("check-failed", "check failed: reads zero")).toBe("check-failed");
  });
});
