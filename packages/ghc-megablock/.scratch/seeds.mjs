import { runWorkload } from "./workloads/index.js";

globalThis.VAR = process.env.VAR;
globalThis.BEST = !!process.env.BEST;

import { createGhcMegablock } from "../dist/index.js";

for (const mb of [1 << 20, 1 << 16]) {
  const ratios = [];
  for (let seed = 1; seed <= 8; seed++) {
    const os = createGhcMegablock({ megablockSize: mb });
    const r = runWorkload("zend", os, { steps: +process.argv[2] || 5000, seed });
    ratios.push(r.completed ? r.footprintRatio.toFixed(3) : "FAIL " + r.failure.message);
  }
  console.log(mb, ratios.join(" "));
}
