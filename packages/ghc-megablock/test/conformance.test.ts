import { runConformance } from "@osal/conformance";
import { KiB } from "@osal/core";
import { createGhcMegablock } from "../src/index.js";

runConformance("ghc-megablock", () => createGhcMegablock({ maximumBytes: 256 * 1024 * KiB }));
runConformance("ghc-megablock (64 KiB megablocks)", () =>
  createGhcMegablock({ megablockSize: 64 * KiB, maximumBytes: 64 * 1024 * KiB }),
);
