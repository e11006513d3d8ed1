// The page-size figures of the README: the zend guest (PHP's allocator) trimming
// in 4 KiB steps (code that hard-codes Linux's page) or in the granule sysconf
// answers, on the page manager (64 KiB and 4 KiB pages) and on 1 MiB megablocks.
// Run after a build: node packages/wasm-guest/scripts/page-size-figures.mjs
import { fileURLToPath } from "node:url";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { guestUrl } from "@osal/guests";
import { runGuest } from "@osal/wasm-guest/node";
import { createWasmPageManager } from "@osal/wasm-page-manager";

const file = fileURLToPath(guestUrl("zend", "wasi", "osal"));
const cases = [
  [
    "page manager 64 KiB, guest trims at 4 KiB",
    ({ memory }) => createWasmPageManager({ memory }),
    4096,
  ],
  [
    "page manager 64 KiB, guest trims at 64 KiB (sysconf)",
    ({ memory }) => createWasmPageManager({ memory }),
    65536,
  ],
  [
    "page manager 4 KiB, guest trims at 4 KiB (= sysconf)",
    ({ memory }) => createWasmPageManager({ memory, pageSize: 4096 }),
    4096,
  ],
  [
    "ghc-megablock 1 MiB, guest trims at 4 KiB",
    ({ memory }) => createGhcMegablock({ memory }),
    4096,
  ],
  [
    "ghc-megablock 1 MiB, guest trims at 1 MiB (sysconf)",
    ({ memory }) => createGhcMegablock({ memory }),
    1048576,
  ],
];
for (const [name, backend, page] of cases) {
  const run = await runGuest({ toolchain: "wasi", file, backend, args: [`page=${page}`] });
  const r = run.result;
  console.log(
    `| ${name} | ${r.status} | ${(r.peakLiveBytes / 2 ** 20).toFixed(1)} | ${(r.peakMemoryBytes / 2 ** 20).toFixed(1)} | ${(r.peakMemoryBytes / r.peakLiveBytes).toFixed(2)} | ${JSON.stringify(r.failedCalls)} |`,
  );
}
