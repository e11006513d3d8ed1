// Runs every committed guest on every wasm backend that can serve it, and the
// libc builds on their own mmap, and prints the figures each guest reports as
// a Markdown table (the one in README.md). Build first (npm run build), then:
//   node packages/wasm-guest/scripts/guest-figures.mjs [steps=N]
import { fileURLToPath } from "node:url";
import { guestUrl } from "@osal/guests";
import { guestBackends } from "@osal/guests/backends";
import { runGuest } from "../dist/node/index.js";

const extra = process.argv.slice(2);
const MiB = 1024 * 1024;

// The one table of guest backends (@osal/guests/backends), then the libc's own mmap.
const backends = [
  ...guestBackends,
  { name: "libc mmap", toolchains: ["wasi", "emscripten"], args: [], factory: undefined },
];

console.log(
  "| toolchain | workload | mmap from | status | steps done | peak live MiB | peak memory MiB | ratio | failed calls | stopped because |",
);
console.log("|---|---|---|---|---|---|---|---|---|---|");
for (const toolchain of ["wasi", "emscripten"]) {
  for (const workload of ["zend", "sgen", "coreclr", "ghc", "mmtk"]) {
    for (const backend of backends.filter((b) => b.toolchains.includes(toolchain))) {
      const mman = backend.factory ? "osal" : "libc";
      const file = fileURLToPath(guestUrl(workload, toolchain, mman));
      const run = await runGuest({
        toolchain,
        file,
        backend: backend.factory,
        args: [...backend.args, ...extra],
      });
      const r = run.result;
      if (r === undefined) {
        console.log(
          `| ${toolchain} | ${workload} | ${backend.name} | trapped (exit ${run.exitCode}) | | | | | | ${String(run.error).slice(0, 80)} |`,
        );
        continue;
      }
      const failed = Object.entries(r.failedCalls)
        .filter(([, n]) => n > 0)
        .map(([c, n]) => `${c} ${n}`)
        .join(", ");
      const ratio = r.peakLiveBytes > 0 ? (r.peakMemoryBytes / r.peakLiveBytes).toFixed(2) : "–";
      console.log(
        `| ${toolchain} | ${workload} | ${backend.name} | ${r.status} | ${r.completedSteps}/${r.steps} | ${(r.peakLiveBytes / MiB).toFixed(1)} | ${(r.peakMemoryBytes / MiB).toFixed(1)} | ${ratio} | ${failed || "0"} | ${r.status === "ok" ? "" : r.message} |`,
      );
    }
  }
}
