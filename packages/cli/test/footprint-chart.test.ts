import { describe, expect, it } from "vitest";
import { renderFootprintChart } from "../src/index.js";
import { checkWellFormedXml } from "./xml-well-formed.js";

const MiB = 2 ** 20;

describe("renderFootprintChart", () => {
  it("draws a line per series, a marker for a one-point series, the live bytes dashed, and a legend", () => {
    const svg = renderFootprintChart({
      title: "zend <test>",
      series: [
        {
          label: "a",
          points: [
            [0, 0],
            [50, 10 * MiB],
            [100, 12 * MiB],
          ],
        },
        { label: "b", points: [[80, 20 * MiB]], note: "failed at step 80, ENOMEM" },
      ],
      live: {
        label: "live bytes (a)",
        points: [
          [0, 0],
          [100, 8 * MiB],
        ],
      },
    });
    expect(checkWellFormedXml(svg).problems).toEqual([]);
    expect(svg).toContain("zend &lt;test&gt;");
    expect(svg.match(/<polyline /g)).toHaveLength(2);
    expect(svg).toContain('stroke-dasharray="6 4"');
    expect(svg).toMatch(/<circle cx="[\d.]+" cy="[\d.]+" r="5"/);
    for (const label of [">a<", ">b<", ">failed at step 80, ENOMEM<", ">live bytes (a)<"]) {
      expect(svg).toContain(label);
    }
    expect(svg).toContain(">host footprint<");
    expect(svg).toContain(">20 MiB<");
    expect(svg).toContain(">workload steps<");
  });

  it("switches to a log scale in powers of four when peaks are far apart", () => {
    const svg = renderFootprintChart({
      title: "t",
      series: [
        {
          label: "small",
          points: [
            [0, 300 * 1024],
            [10, 400 * 1024],
          ],
        },
        {
          label: "big",
          points: [
            [0, 0],
            [10, 4 * 1024 * MiB],
          ],
        },
      ],
    });
    expect(svg).toContain(">host footprint (log scale)<");
    for (const tick of ["256 KiB", "1 MiB", "4 MiB", "1 GiB", "4 GiB"])
      expect(svg).toContain(`>${tick}<`);
  });
});
