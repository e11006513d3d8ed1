import { MmapAnnotation, MmapStrategy, TiB } from "@osal/core";
import { createMockUnix } from "@osal/mock-unix";
import { describe, expect, it } from "vitest";
import { type MemoryMap, renderMemoryMapChart, snapshotMemoryMap } from "../src/index.js";
import { checkWellFormedXml } from "./xml-well-formed.js";

function expectTiled(map: MemoryMap): void {
  expect(map.spans[0]?.start).toBe(map.start);
  expect(map.spans[map.spans.length - 1]?.end).toBe(map.end);
  for (let i = 1; i < map.spans.length; i++)
    expect(map.spans[i]!.start).toBe(map.spans[i - 1]!.end);
}

describe("snapshotMemoryMap", () => {
  it("lists a simulated process's mappings by annotation with unmapped space between", () => {
    const os = createMockUnix();
    const page = os.pageSize;
    os.dzmmap(0x100000, 4 * page, MmapStrategy.DEFAULT, MmapAnnotation.space("immix"));
    os.dzmmap(
      0x100000 + 8 * page,
      2 * page,
      MmapStrategy.QUARANTINE,
      MmapAnnotation.sidemeta("immix", "mark"),
    );
    const map = snapshotMemoryMap("mock-unix", "test", { os });
    expectTiled(map);
    expect(map.start).toBe(0x100000);
    expect(map.end).toBe(0x100000 + 10 * page);
    expect(map.zeroStateKnown).toBe(false);
    expect(
      map.spans.map((s) => [s.state, s.annotation ?? null, s.prot ?? null, s.end - s.start]),
    ).toEqual([
      ["mapped", "space:immix", "ReadWrite", 4 * page],
      ["unmapped", null, null, 4 * page],
      ["mapped", "sidemeta:immix:mark", "NoAccess", 2 * page],
    ]);
  });

  it("fills a linear memory's gaps from the page-state query, and leaves the backend unchanged", () => {
    const os = createMockUnix({ mmapMinAddr: 4096 });
    const page = os.pageSize;
    os.dzmmap(4 * page, 2 * page, MmapStrategy.DEFAULT, MmapAnnotation.misc("a"));
    const before = os.getProcessMemoryMaps();
    const map = snapshotMemoryMap("fake-wasm", "test", {
      os,
      memoryBytes: 12 * page,
      pageStates: () => [
        { start: 0, end: page, state: "external" },
        { start: 2 * page, end: 4 * page, state: "free-dirty" },
        { start: 6 * page, end: 10 * page, state: "free-zeroed" },
      ],
    });
    expect(os.getProcessMemoryMaps()).toBe(before);
    expectTiled(map);
    expect(map.zeroStateKnown).toBe(true);
    expect(map.spans.map((s) => [s.state, (s.end - s.start) / page])).toEqual([
      ["external", 1],
      ["free", 1],
      ["free-dirty", 2],
      ["mapped", 2],
      ["free-zeroed", 4],
      ["free", 2],
    ]);
  });
});

describe("renderMemoryMapChart", () => {
  it("draws every state with a legend, as well-formed SVG", () => {
    const map: MemoryMap = {
      backend: "fake",
      caption: "a <test> & more",
      pageSize: 65536,
      start: 0,
      end: 10 * 65536,
      zeroStateKnown: true,
      spans: [
        { start: 0, end: 65536, state: "external" },
        { start: 65536, end: 3 * 65536, state: "mapped", annotation: "space:x", prot: "ReadWrite" },
        { start: 3 * 65536, end: 5 * 65536, state: "free-dirty" },
        { start: 5 * 65536, end: 10 * 65536, state: "free-zeroed" },
      ],
    };
    const svg = renderMemoryMapChart(map);
    expect(checkWellFormedXml(svg).problems).toEqual([]);
    expect(svg).toContain("fake: a &lt;test&gt; &amp; more");
    for (const label of [
      "mapped: space:x",
      "free, zeroed",
      "free, dirty",
      "external (not this backend&apos;s)",
    ]) {
      expect(svg).toContain(label);
    }
    expect(svg.match(/<rect x="\d+" y="\d+" width="11"/g)).toHaveLength(10);
  });

  it("folds terabytes of unmapped space into one gap cell", () => {
    const os = createMockUnix();
    const page = os.pageSize;
    os.dzmmap(0x100000, page, MmapStrategy.DEFAULT, MmapAnnotation.misc("low"));
    os.dzmmap(0x100000 + TiB, page, MmapStrategy.DEFAULT, MmapAnnotation.misc("high"));
    const svg = renderMemoryMapChart(snapshotMemoryMap("mock-unix", "sparse", { os }));
    expect(checkWellFormedXml(svg).problems).toEqual([]);
    expect(svg).toContain("unmapped gap of 1024.0 GiB");
    expect(svg.match(/<rect x="\d+" y="\d+" width="11"/g)).toHaveLength(3);
  });
});
