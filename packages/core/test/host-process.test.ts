import { availableParallelism } from "node:os";
import { describe, expect, it } from "vitest";
import { HostProcess, OSError } from "../src/index.js";

class Bare extends HostProcess {
  getProcessMemoryMaps(): string {
    return "";
  }
}

describe("HostProcess", () => {
  it("reports Node's pid, main-thread id and available parallelism", () => {
    const host = new Bare();
    expect(host.getProcessId()).toBe(process.pid);
    expect(host.getThreadId()).toBe(0);
    expect(host.getTotalNumCpus()).toBe(availableParallelism());
  });

  it("refuses core binding with ENOTSUP, since no JS host can pin threads", () => {
    const host = new Bare();
    expect(() => host.bindCurrentThreadToCore(0)).toThrow(OSError);
    expect(() => host.bindCurrentThreadToCpuset([0, 1])).toThrow(
      expect.objectContaining({ code: "ENOTSUP" }),
    );
  });
});
