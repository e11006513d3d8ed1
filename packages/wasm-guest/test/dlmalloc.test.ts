import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { GuestToolchain } from "../src/index.js";
import { runGuest } from "../src/node/index.js";
import { type GuestBackend, guestBackends, pageManager4k } from "./support/backends.js";

/**
 * Doug Lea's dlmalloc, as Debian's emscripten package ships it, configured
 * mmap-only and compiled unchanged against the drop-in integration (only the
 * flags of osal-guest-flags), runs a seeded malloc/realloc/free stress with
 * byte checks on every wasm backend and both toolchains; and the same
 * dlmalloc over wasi-libc's -lwasi-emulated-mman for comparison. Built here,
 * never committed (third-party code). Without the file or a toolchain it skips
 * with a notice, except in CI (env CI), where that is a failure.
 */
const DLMALLOC = "/usr/share/emscripten/system/lib/dlmalloc.c";
const DRIVER = createRequire(import.meta.url).resolve("@osal/guests/c/dlmalloc/dlmalloc_stress.c");
const FLAGS = fileURLToPath(new URL("../bin/osal-guest-flags.js", import.meta.url));
const STEPS = "steps=8000";
const MMAP_ONLY = ["-DHAVE_MORECORE=0", "-DHAVE_MMAP=1", "-DUSE_DL_PREFIX", "-D_GNU_SOURCE"];

function missing(): string | undefined {
  if (!existsSync(DLMALLOC)) return `${DLMALLOC} (apt-get install emscripten)`;
  for (const [tool, args] of [
    ["clang", ["--version"]],
    ["emcc", ["--version"]],
  ] as const) {
    const env = { ...process.env, NODE_PATH: "/usr/share/nodejs" };
    if (spawnSync(tool, args, { stdio: "ignore", env }).status !== 0) return tool;
  }
  return undefined;
}

const absent = missing();
if (absent !== undefined) {
  if (process.env.CI) throw new Error(`CI: dlmalloc test needs ${absent}`);
  console.log(`dlmalloc stress skipped: ${absent} is not installed`);
}

function flags(toolchain: GuestToolchain, kind: "--cflags" | "--libs"): string[] {
  return execFileSync("node", [FLAGS, kind, "--toolchain", toolchain]).toString().trim().split(" ");
}

interface Figures {
  status: string;
  peakLiveBytes: number;
  peakMemoryBytes: number;
  completedSteps: number;
  message: string;
}

function figures(stdout: string): Figures | undefined {
  const line = stdout.split("\n").find((l) => l.startsWith("OSAL-DLMALLOC "));
  return line === undefined ? undefined : (JSON.parse(line.slice(14)) as Figures);
}

describe.skipIf(absent !== undefined)("dlmalloc (mmap-only) over osal", () => {
  let dir = "";
  const built = { wasiOsal: "", wasiLibc: "", emscriptenOsal: "" };
  const table: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "osal-dlmalloc-"));
    const env = { ...process.env, NODE_PATH: "/usr/share/nodejs" };
    const run = (tool: string, args: readonly string[]) =>
      execFileSync(tool, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    const wasi = ["--target=wasm32-wasi", "-O2"];
    const exportsForMemalign = ["-Wl,--export=aligned_alloc", "-Wl,--export=free"];
    // Third-party code compiled unchanged: its warnings are not ours (-w).
    run("clang", [
      ...wasi,
      "-w",
      ...flags("wasi", "--cflags"),
      ...MMAP_ONLY,
      "-DHAVE_MREMAP=1",
      "-c",
      DLMALLOC,
      "-o",
      join(dir, "dl-wasi.o"),
    ]);
    run("clang", [
      ...wasi,
      "-Wall",
      "-Wextra",
      "-Werror",
      "-c",
      DRIVER,
      "-o",
      join(dir, "drv-wasi.o"),
    ]);
    built.wasiOsal = join(dir, "dl-osal.wasm");
    run("clang", [
      ...wasi,
      join(dir, "drv-wasi.o"),
      join(dir, "dl-wasi.o"),
      ...flags("wasi", "--libs"),
      ...exportsForMemalign,
      "-o",
      built.wasiOsal,
    ]);
    // wasi-libc's emulation has no mremap: the same dlmalloc with HAVE_MREMAP 0.
    run("clang", [
      ...wasi,
      "-w",
      "-D_WASI_EMULATED_MMAN",
      ...MMAP_ONLY,
      "-DHAVE_MREMAP=0",
      "-c",
      DLMALLOC,
      "-o",
      join(dir, "dl-emu.o"),
    ]);
    built.wasiLibc = join(dir, "dl-libc.wasm");
    run("clang", [
      ...wasi,
      join(dir, "drv-wasi.o"),
      join(dir, "dl-emu.o"),
      "-lwasi-emulated-mman",
      "-o",
      built.wasiLibc,
    ]);
    // Emscripten's copy configures itself for Emscripten's sbrk heap (HAVE_MMAP 0)
    // when __EMSCRIPTEN__ is defined; unset for this file, it is plain dlmalloc.
    run("emcc", [
      "-O2",
      "-w",
      "-U__EMSCRIPTEN__",
      ...flags("emscripten", "--cflags"),
      ...MMAP_ONLY,
      "-DHAVE_MREMAP=1",
      "-c",
      DLMALLOC,
      "-o",
      join(dir, "dl-em.o"),
    ]);
    built.emscriptenOsal = join(dir, "dl-emscripten-osal.js");
    run("emcc", [
      "-O2",
      "-Wall",
      "-Werror",
      DRIVER,
      join(dir, "dl-em.o"),
      "-sENVIRONMENT=node",
      "-sWASM_ASYNC_COMPILATION=0",
      "-sMODULARIZE=1",
      "-sEXIT_RUNTIME=1",
      "-sFILESYSTEM=0",
      "-sNODEJS_CATCH_EXIT=0",
      "-sNODEJS_CATCH_REJECTION=0",
      "-sEXPORTED_FUNCTIONS=_main,_aligned_alloc,_free",
      ...flags("emscripten", "--libs"),
      "-o",
      built.emscriptenOsal,
    ]);
  }, 180_000);

  afterAll(() => {
    if (dir !== "" && !process.env.OSAL_KEEP) rmSync(dir, { recursive: true, force: true });
    if (table.length > 0) {
      console.log(
        [
          "| toolchain | mmap from | status | peak live MiB | peak memory MiB | ratio |",
          "|---|---|---|---|---|---|",
          ...table,
        ].join("\n"),
      );
    }
  });

  const record = (toolchain: string, name: string, f: Figures) => {
    const mib = (n: number) => (n / 2 ** 20).toFixed(1);
    table.push(
      `| ${toolchain} | ${name} | ${f.status} | ${mib(f.peakLiveBytes)} | ${mib(f.peakMemoryBytes)} | ${(f.peakMemoryBytes / f.peakLiveBytes).toFixed(2)} |`,
    );
  };

  const backends: readonly GuestBackend[] = [pageManager4k, ...guestBackends];
  for (const toolchain of ["wasi", "emscripten"] as const) {
    for (const backend of backends.filter((b) => b.toolchains.includes(toolchain))) {
      it(`${toolchain}: the stress completes with every byte intact on ${backend.name}`, async () => {
        const run = await runGuest({
          toolchain,
          file: toolchain === "wasi" ? built.wasiOsal : built.emscriptenOsal,
          backend: backend.factory,
          args: [STEPS],
        });
        const f = figures(run.stdout);
        expect(f, `${run.stderr} ${String(run.error)}`).toBeDefined();
        record(toolchain, backend.name, f as Figures);
        expect(f?.status, f?.message).toBe("ok");
        expect(run.exitCode).toBe(0);
      }, 120_000);
    }
  }

  it("wasi: the same dlmalloc over wasi-libc's -lwasi-emulated-mman, for comparison", async () => {
    const run = await runGuest({ toolchain: "wasi", file: built.wasiLibc, args: [STEPS] });
    const f = figures(run.stdout) as Figures;
    record("wasi", "-lwasi-emulated-mman", f);
    expect(f.status, f.message).toBe("ok");
  }, 120_000);
});
