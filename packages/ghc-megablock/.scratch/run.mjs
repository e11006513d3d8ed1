import { createGhcMegablock } from "../dist/index.js";
import { runWorkload } from "./workloads/index.js";

for (const name of ["ghc", "zend"]) {
  for (const mb of [1 << 20, 1 << 16]) {
    const os = createGhcMegablock({ megablockSize: mb });
    const r = runWorkload(name, os, { steps: 5000, seed: 1 });
    console.log(name, mb, JSON.stringify(r));
  }
}
