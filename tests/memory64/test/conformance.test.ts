import { runConformance } from "@osal/conformance";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { createWasmPageManager } from "@osal/wasm-page-manager";

/** The largest memory64 maximum V8 (Node 24) accepts: 262144 WebAssembly pages. */
const SIXTEEN_GIB = 16 * 2 ** 30;

/**
 * A fixed model volume (CI's OSAL_MODEL_RUNS is for the Node 20 projects): the
 * model sequences map small ranges, so on memory64 they check the same code
 * as the 4 GiB runs; the high-address cases are what memory64 adds.
 */
const options = { highAddresses: true, model: { runs: 100 } } as const;

runConformance(
  "wasm-page-manager on memory64 (16 GiB maximum)",
  () => createWasmPageManager({ maximumBytes: SIXTEEN_GIB }),
  options,
);

runConformance(
  "ghc-megablock on memory64 (16 GiB maximum)",
  () => createGhcMegablock({ maximumBytes: SIXTEEN_GIB }),
  options,
);
