import { KiB, MmapAnnotation, MmapStrategy, OSError, parseProcMaps } from "@osal/core";
import { describe, expect, it } from "vitest";
import { createMockUnix } from "../src/index.js";

describe("mock-unix fault injection", () => {
  it("fails the Nth call of a kind once, with the given code, changing nothing", () => {
    const os = createMockUnix();
    os.faults.failNth(2, "ENOMEM", "mmap");
    const a = os.dzmmapAnywhere(4 * KiB, 4 * KiB, MmapStrategy.DEFAULT);
    os.munmap(a + 4 * KiB, 4 * KiB);
    expect(() => os.dzmmapAnywhere(4 * KiB, 4 * KiB, MmapStrategy.DEFAULT)).toThrow(
      expect.objectContaining({ code: "ENOMEM", errno: 12, syscall: "mmap" }),
    );
    expect(os.getMappings()).toHaveLength(1);
    expect(() => os.dzmmapAnywhere(4 * KiB, 4 * KiB, MmapStrategy.DEFAULT)).not.toThrow();
    expect(os.faults.armed).toBe(0);
    expect(os.stats().failedCalls.mmap).toBe(1);
    expect(os.stats().calls.mmap).toBe(3);
  });

  it("fails every call of a kind until cleared", () => {
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(8 * KiB, 4 * KiB, MmapStrategy.DEFAULT);
    os.faults.failEvery("munmap", "EINVAL");
    expect(() => os.munmap(a, 4 * KiB)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(() => os.munmap(a, 4 * KiB)).toThrow(expect.objectContaining({ code: "EINVAL" }));
    expect(os.getMappings()[0]).toMatchObject({ start: a, end: a + 8 * KiB });
    os.faults.clear();
    os.munmap(a, 8 * KiB);
    expect(os.getMappings()).toEqual([]);
  });

  it("can target any call", () => {
    const os = createMockUnix();
    const a = os.dzmmapAnywhere(8 * KiB, 4 * KiB, MmapStrategy.DEFAULT);
    os.faults.failNth(1, "EAGAIN");
    expect(() => os.madvise(a, 4 * KiB, "dontneed")).toThrow(
      expect.objectContaining({ code: "EAGAIN", syscall: "madvise" }),
    );
  });
});

describe("mock-unix /proc/self/maps", () => {
  it("prints Linux's format with annotations as [anon:…]", () => {
    const os = createMockUnix();
    const heap = os.dzmmapAnywhere(
      64 * KiB,
      64 * KiB,
      MmapStrategy.QUARANTINE,
      MmapAnnotation.space("immix"),
    );
    os.dzmmap(
      heap,
      16 * KiB,
      MmapStrategy.DEFAULT.withReplace(true),
      MmapAnnotation.space("immix"),
    );
    os.dzmmapAnywhere(
      4 * KiB,
      4 * KiB,
      MmapStrategy.DEFAULT,
      MmapAnnotation.sidemeta("immix", "mark"),
    );
    os.dzmmapAnywhere(4 * KiB, 4 * KiB, MmapStrategy.DEFAULT.withProt("ReadWriteExec"));
    const text = os.getProcessMemoryMaps();
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    const hex = (n: number) => n.toString(16);
    const head = `${hex(heap)}-${hex(heap + 16 * KiB)} rw-p 00000000 00:00 0`;
    expect(lines).toContain(`${head.padEnd(73)}[anon:space:immix]`);
    expect(
      lines.some((l) =>
        /^[0-9a-f]+-[0-9a-f]+ ---p 00000000 00:00 0 +\[anon:space:immix\]$/.test(l),
      ),
    ).toBe(true);
    expect(lines.some((l) => l.endsWith(" [anon:sidemeta:immix:mark]"))).toBe(true);
    expect(lines.some((l) => /^[0-9a-f]+-[0-9a-f]+ rwxp 00000000 00:00 0$/.test(l))).toBe(true);
    // the name column starts at 73, as in Linux
    for (const line of lines.filter((l) => l.includes("[anon:")))
      expect(line.indexOf("[anon:")).toBe(73);
    expect(parseProcMaps(text).map((l) => l.start)).toEqual(os.getMappings().map((m) => m.start));
  });
});

describe("mock-unix process", () => {
  it("reports configured pid, tid and cpus, and records core binding", () => {
    const os = createMockUnix({ process: { pid: 100, tid: 101, cpus: 8 } });
    expect([os.getProcessId(), os.getThreadId(), os.getTotalNumCpus()]).toEqual([100, 101, 8]);
    expect(os.getThreadAffinity()).toBeUndefined();
    os.bindCurrentThreadToCore(3);
    expect(os.getThreadAffinity()).toEqual([3]);
    os.bindCurrentThreadToCpuset([5, 1, 5]);
    expect(os.getThreadAffinity()).toEqual([1, 5]);
    expect(() => os.bindCurrentThreadToCore(8)).toThrow(OSError);
    expect(os.getThreadAffinity()).toEqual([1, 5]);
  });
});
