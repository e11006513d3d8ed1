// The C side of the install check: in a project where the @osal packages are
// installed (from their tarballs, as scripts/check-install.mjs does), builds
// one C file written for Linux's <sys/mman.h> with ONLY the flags the
// installed `osal-guest-flags` prints, for wasi-libc and for Emscripten, and
// runs both on the installed page manager. No path into node_modules is
// written anywhere: the flags come from the package.
//
//   node scripts/check-install-c.mjs <project-with-installed-packages>
//   import { checkInstalledC } from "./check-install-c.mjs"; checkInstalledC(scratch);
//
// Without clang + wasi-libc or emcc it prints a notice and checks what it can;
// in CI (env CI set) a missing toolchain is a failure.
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { run } from "./packages.mjs";

const program = `#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(void) {
  long page = sysconf(_SC_PAGESIZE);
  char *p = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return 1;
  memset(p, 7, 4 * page);
  p = mremap(p, 4 * page, 64 * page, MREMAP_MAYMOVE);
  if (p == MAP_FAILED || p[4 * page - 1] != 7 || p[4 * page] != 0) return 2;
  if (munmap(p, 64 * page) != 0) return 3;
  printf("c-install-check ok page=%ld\\n", page);
  return 0;
}
`;

const runner = `import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { WASI } from "node:wasi";
import { runEmscriptenGuest, runWasiGuest } from "@osal/wasm-guest";
import { createWasmPageManager } from "@osal/wasm-page-manager";

const backend = ({ memory, source }) => createWasmPageManager({ memory, source, pageSize: 4096 });
const [toolchain, file] = process.argv.slice(2);
const module = new WebAssembly.Module(readFileSync(file.replace(/\\.c?js$/, ".wasm")));
const out = [];
const run =
  toolchain === "wasi"
    ? await runWasiGuest({ module, wasi: new WASI({ version: "preview1", args: ["p"], env: {} }), backend })
    : await runEmscriptenGuest({ factory: createRequire(import.meta.url)(file), module, backend, print: (l) => out.push(l) });
const stdout = run.stdout ?? out.join("\\n");
if (run.exitCode !== 0 || !stdout.includes("c-install-check ok page=4096")) {
  throw new Error(toolchain + ": exit " + run.exitCode + ", " + stdout + " " + String(run.error));
}
console.log(toolchain + ": " + stdout.trim());
`;

const has = (cmd, args) =>
  spawnSync(cmd, args, { stdio: "ignore", env: { ...process.env, NODE_PATH: "/usr/share/nodejs" } })
    .status === 0;

/** Builds and runs the C file in `project` with the installed flags; throws on any failure. */
export function checkInstalledC(project) {
  writeFileSync(join(project, "mman-check.c"), program);
  writeFileSync(join(project, "run-c-check.mjs"), runner);
  const flags = (toolchain) =>
    run("npx", ["--no-install", "osal-guest-flags", "--toolchain", toolchain], project)
      .trim()
      .split(" ");
  const toolchains = [
    ["wasi", has("clang", ["--target=wasm32-wasi", "--version"])],
    ["emscripten", has("emcc", ["--version"])],
  ];
  for (const [toolchain, present] of toolchains) {
    if (!present) {
      if (process.env.CI) throw new Error(`CI: the ${toolchain} toolchain is missing`);
      console.log(`C install check (${toolchain}) skipped: toolchain not installed`);
      continue;
    }
    const out = join(project, toolchain === "wasi" ? "mman-check-wasi.wasm" : "mman-check-em.cjs");
    const args =
      toolchain === "wasi"
        ? ["--target=wasm32-wasi", "-O2", "mman-check.c", ...flags("wasi"), "-o", out]
        : [
            "-O2",
            "mman-check.c",
            "-sMODULARIZE=1",
            "-sEXIT_RUNTIME=1",
            "-sWASM_ASYNC_COMPILATION=0",
            "-sENVIRONMENT=node",
            ...flags("emscripten"),
            "-o",
            out,
          ];
    const built = spawnSync(toolchain === "wasi" ? "clang" : "emcc", args, {
      cwd: project,
      encoding: "utf8",
      env: { ...process.env, NODE_PATH: "/usr/share/nodejs" },
    });
    if (built.status !== 0) throw new Error(`${toolchain} build failed:\n${built.stderr}`);
    process.stdout.write(run("node", ["run-c-check.mjs", toolchain, out], project));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const project = process.argv[2];
  if (project === undefined) {
    console.error("usage: node scripts/check-install-c.mjs <project-with-installed-packages>");
    process.exit(2);
  }
  try {
    checkInstalledC(project);
  } catch (error) {
    console.error(`C install check failed: ${error.stdout ?? ""}${error.stderr ?? error.message}`);
    process.exitCode = 1;
  }
}
