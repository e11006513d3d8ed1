// Installs every public @osal package the way a stranger would — from the
// tarballs `npm pack` makes, into an empty project, with the registry for
// everything else — then imports every entry point, maps and reads memory on
// each backend, resolves the non-JavaScript exports and runs the installed
// `osal demo` and `osal bench` (with the C guests). Catches what publint
// cannot: a file missing from `files`, an import of a devDependency, a bin
// that does not start.
// Run after a build: `npm run check:packaging` runs it last.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkInstalledC } from "./check-install-c.mjs";
import { publicPackages, run } from "./packages.mjs";

// What the stranger's program does with each package, once installed.
const smoke = `
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { MmapStrategy, MmapError } from "@osal/core";
import { createMockUnix } from "@osal/mock-unix";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { createWasmPosixMemalign } from "@osal/wasm-posix-memalign";
import { createNodePosix } from "@osal/node-posix";
import { createGuestImports } from "@osal/wasm-guest";
import { runGuest } from "@osal/wasm-guest/node";
import { runConformance } from "@osal/conformance";
import { runWorkload } from "@osal/workloads";
import { guestBackendById, guestBackends } from "@osal/guests/backends";
import * as cli from "@osal/cli";

const backends = {
  "mock-unix": () => createMockUnix(),
  "wasm-page-manager": () => createWasmPageManager({ maximumBytes: 64 * 1024 * 1024 }),
  "ghc-megablock": () => createGhcMegablock({ megablockSize: 65536, maximumBytes: 64 * 1024 * 1024 }),
  "wasm-posix-memalign": () => createWasmPosixMemalign({ maximumBytes: 64 * 1024 * 1024 }),
  "node-posix": () => createNodePosix(),
};
for (const [name, make] of Object.entries(backends)) {
  const os = make();
  const size = 4 * os.pageSize;
  const at = os.dzmmapAnywhere(size, os.pageSize, MmapStrategy.DEFAULT);
  os.write(at + 8, new Uint8Array([1, 2, 3]));
  assert.deepEqual([...os.read(at + 7, 5)], [0, 1, 2, 3, 0], name);
  assert.throws(() => os.munmap(at + 1, size), (e) => e instanceof MmapError && e.code === "EINVAL", name);
  os.munmap(at, size);
  const result = runWorkload("sgen", make(), { steps: 50, seed: 1 });
  assert.equal(result.failedCalls, 0, name);
}
assert.equal(typeof createGuestImports(createWasmPageManager()).mmap, "function");
assert.equal(typeof runGuest, "function");
assert.equal(typeof runConformance, "function");
assert.deepEqual(guestBackends.map((b) => b.id), ["wasm-page-manager", "ghc-megablock-64k", "ghc-megablock-1m", "wasm-posix-memalign"]);
assert.throws(() => guestBackendById("ghc-megablock-1m").factory({ memory: new WebAssembly.Memory({ initial: 1 }), exports: {}, toolchain: "emscripten" }), TypeError);
assert.equal(typeof cli.renderMemoryMapChart, "function");
const require = createRequire(import.meta.url);
for (const asset of ["@osal/wasm-guest/include/osal/mman.h", "@osal/wasm-posix-memalign/allocator.wasm", "@osal/wasm-posix-memalign/dlmalloc-guest.wasm", "@osal/guests/wasi/zend-osal.wasm"]) {
  require.resolve(asset);
}
console.log("installed packages: every entry point imports and works");
`;

/** `name` and every published @osal package it depends on at run time, transitively. */
function closure(name) {
  const manifests = new Map(publicPackages().map(({ pkg }) => [pkg.name, pkg]));
  const seen = new Set();
  const visit = (next) => {
    if (seen.has(next)) return;
    seen.add(next);
    for (const dep of Object.keys(manifests.get(next).dependencies ?? {})) {
      if (manifests.has(dep)) visit(dep);
    }
  };
  visit(name);
  return [...seen];
}

// A runtime tool pulls no test runner: `@osal/cli` alone, installed into an empty
// project, must bring neither vitest nor vite (nor any @vitest/* package), and its
// `osal bench` must run there.
function checkCliAlone(tarballs) {
  const alone = mkdtempSync(join(tmpdir(), "osal-cli-alone-"));
  try {
    writeFileSync(
      join(alone, "package.json"),
      JSON.stringify({ name: "cli-user", private: true, type: "module" }),
    );
    run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], alone);
    const tree = JSON.parse(run("npm", ["ls", "--all", "--json"], alone));
    const found = new Set();
    const walk = (deps) => {
      for (const [name, node] of Object.entries(deps ?? {})) {
        if (name === "vitest" || name === "vite" || name.startsWith("@vitest/")) found.add(name);
        walk(node.dependencies);
      }
    };
    walk(tree.dependencies);
    if (found.size > 0) {
      throw new Error(`npm install @osal/cli pulled a test runner: ${[...found].join(", ")}`);
    }
    const bench = JSON.parse(
      run(
        join(alone, "node_modules/.bin/osal"),
        ["bench", "--workloads", "sgen", "--steps", "50", "--json", "--out", join(alone, "out")],
        alone,
      ),
    );
    const rows = bench.workloads.flatMap((w) => w.rows);
    if (rows.length === 0 || rows.some((row) => !row.completed)) {
      throw new Error(`osal bench with @osal/cli alone: ${JSON.stringify(rows)}`);
    }
    console.log(`@osal/cli alone: no vitest or vite installed; osal bench ran ${rows.length} rows`);
  } finally {
    rmSync(alone, { recursive: true, force: true });
  }
}

const scratch = mkdtempSync(join(tmpdir(), "osal-install-"));
try {
  const tarballOf = new Map();
  const tarballs = publicPackages().map(({ dir, pkg }) => {
    const [packed] = JSON.parse(
      run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], dir),
    );
    tarballOf.set(pkg.name, join(scratch, packed.filename));
    return join(scratch, packed.filename);
  });
  writeFileSync(
    join(scratch, "package.json"),
    JSON.stringify({ name: "stranger", private: true, type: "module" }),
  );
  // @osal/cli and the @osal packages it depends on, and nothing else: they are not
  // published yet, so their tarballs stand in for what the registry would give.
  checkCliAlone(closure("@osal/cli").map((name) => tarballOf.get(name)));
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...tarballs], scratch);
  writeFileSync(join(scratch, "smoke.mjs"), smoke);
  process.stdout.write(run("node", ["smoke.mjs"], scratch));
  const demo = run(join(scratch, "node_modules/.bin/osal"), ["demo"], scratch);
  if (!demo.includes("MMTk")) throw new Error(`the installed osal demo printed:\n${demo}`);
  console.log(`installed osal demo: ${demo.split("\n").length} lines`);
  // The C guests ship in @osal/guests: an installed bench runs them too.
  const bench = JSON.parse(
    run(
      join(scratch, "node_modules/.bin/osal"),
      ["bench", "--workloads", "sgen", "--steps", "50", "--json", "--out", join(scratch, "out")],
      scratch,
    ),
  );
  const rows = bench.workloads.flatMap((w) => w.rows);
  const guests = rows.filter((row) => row.kind === "guest");
  const failed = guests.filter((row) => !row.completed);
  if (guests.length === 0 || failed.length > 0) {
    throw new Error(`installed osal bench: guest rows failed: ${JSON.stringify(failed)}`);
  }
  console.log(`installed osal bench: ${guests.length} C guest runs completed`);
  // A C file written for Linux's <sys/mman.h>, built with only the installed
  // osal-guest-flags, on both toolchains, run on the installed page manager.
  checkInstalledC(scratch);
} catch (error) {
  console.error(`install check failed: ${error.stdout ?? ""}${error.stderr ?? error.message}`);
  process.exitCode = 1;
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
