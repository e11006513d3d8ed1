import { createMockUnix } from "@osal/mock-unix";
import { describe, expect, it } from "vitest";
import { runCli, runHeapDemo } from "../src/index.js";

describe("osal demo", () => {
  it("prints the heap steps, a /proc/self/maps listing with annotations, and stats", async () => {
    const chunks: string[] = [];
    const code = await runCli(["demo"], { out: (t) => chunks.push(t), err: () => {} });
    const out = chunks.join("");
    expect(code).toBe(0);
    expect(out).toContain('read back "hello from an immix block"');
    expect(out).toMatch(/touching it faults: EFAULT at 0x[0-9a-f]+ \(protection\)/);
    expect(out).toMatch(/^[0-9a-f]+-[0-9a-f]+ rw-p 00000000 00:00 0 +\[anon:space:immix\]$/m);
    expect(out).toMatch(
      /^[0-9a-f]+-[0-9a-f]+ ---p 00000000 00:00 0 +\[anon:sidemeta:immix:mark-bits\]$/m,
    );
  });

  it("keeps a 1 TiB heap reservation down to the pages it touched", () => {
    const os = createMockUnix();
    runHeapDemo(os);
    expect(os.stats().mappedBytes).toBeGreaterThan(2 ** 40);
    // 6 chunks x 4 blocks touched = 24 heap pages + 6 metadata pages; one chunk (4 pages) released
    expect(os.stats().footprintBytes).toBe((20 + 6) * 4096);
  });

  it("rejects unknown commands with exit code 2 and usage on stderr", async () => {
    const err: string[] = [];
    expect(await runCli(["nope"], { out: () => {}, err: (t) => err.push(t) })).toBe(2);
    expect(err.join("")).toContain("usage: osal");
  });
});
