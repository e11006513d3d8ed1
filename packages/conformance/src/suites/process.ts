import { OSError } from "@osal/core";
import { expect } from "vitest";
import type { ConformanceGroup } from "../conformance-case.js";

function bindsOrRefuses(bind: () => void): void {
  try {
    bind();
  } catch (error) {
    expect(error).toBeInstanceOf(OSError);
    expect((error as OSError).code).toBe("ENOTSUP");
  }
}

/** `OSProcess`: host facts and core binding. */
export const processGroup: ConformanceGroup = {
  title: "process",
  cases: [
    {
      name: "process and thread ids are non-negative integers and there is at least one CPU",
      run(os) {
        for (const value of [os.getProcessId(), os.getThreadId()]) {
          expect(Number.isSafeInteger(value)).toBe(true);
          expect(value).toBeGreaterThanOrEqual(0);
        }
        expect(Number.isSafeInteger(os.getTotalNumCpus())).toBe(true);
        expect(os.getTotalNumCpus()).toBeGreaterThanOrEqual(1);
      },
    },
    {
      name: "bindCurrentThreadToCore either succeeds or throws OSError ENOTSUP",
      run(os) {
        bindsOrRefuses(() => os.bindCurrentThreadToCore(0));
      },
    },
    {
      name: "bindCurrentThreadToCpuset either succeeds or throws OSError ENOTSUP",
      run(os) {
        bindsOrRefuses(() => os.bindCurrentThreadToCpuset([0]));
      },
    },
  ],
};
