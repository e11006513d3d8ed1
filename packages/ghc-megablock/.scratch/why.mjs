import { runWorkload } from "./workloads/index.js";

globalThis.VAR = process.env.VAR;

import { createGhcMegablock } from "../dist/index.js";

const mb = +process.argv[2];
const os = createGhcMegablock({ megablockSize: mb });
const free = os.free;
const origGrow = os.memory.grow.bind(os.memory);
const live = 0;
const events = [];
os.memory.grow = (d) => {
  const runs = free.runs();
  const largest = Math.max(0, ...runs.map((r) => r.end - r.start));
  events.push({
    at: os.memory.buffer.byteLength / 2 ** 20,
    grow: (d * 65536) / 2 ** 20,
    free: (free.freeCount * mb) / 2 ** 20,
    largest: (largest * mb) / 2 ** 20,
    nruns: runs.length,
    mapped: os.stats().mappedBytes / 2 ** 20,
  });
  return origGrow(d);
};
const r = runWorkload("zend", os, { steps: 20000, seed: 6 });
console.log(r.footprintRatio, r.peakLiveBytes / 2 ** 20);
for (const e of events.slice(-25)) console.log(JSON.stringify(e));
