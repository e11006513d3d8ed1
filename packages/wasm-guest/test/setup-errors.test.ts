import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { guestUrl, programUrl } from "@osal/guests";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { describe, expect, it } from "vitest";
import {
  type EmscriptenFactory,
  emscriptenOsal,
  instantiateWasiGuest,
  runEmscriptenGuest,
} from "../src/index.js";
import { guestBackendContext } from "../src/make-guest-backend.js";
import { tinyWasi } from "./support/tiny-wasi.js";

/**
 * Every setup mistake rejects or throws with a message that names the fix,
 * never a hang (each test has a 20 s bound) and never a silent exit.
 */
const BOUND = 20_000;
const selftestJs = fileURLToPath(programUrl("mman-selftest", "emscripten"));
const selftestWasm = selftestJs.replace(/\.js$/, ".wasm");
const require = createRequire(import.meta.url);

function selftest(): { factory: EmscriptenFactory; module: WebAssembly.Module } {
  // A fresh copy of the loader per test: Emscripten's factory keeps no state across calls in
  // 3.1.6, but the require cache would share one module object.
  delete require.cache[selftestJs];
  return {
    factory: require(selftestJs) as EmscriptenFactory,
    module: new WebAssembly.Module(readFileSync(selftestWasm)),
  };
}

describe("Emscripten guest setup errors", () => {
  it(
    "no backend for a guest linked with osal: TypeError naming options.backend",
    async () => {
      await expect(runEmscriptenGuest({ ...selftest() })).rejects.toThrow(
        /no backend was given: pass options.backend/,
      );
    },
    BOUND,
  );

  it(
    "a backend factory that throws: rejects with its message",
    async () => {
      const run = runEmscriptenGuest({
        ...selftest(),
        backend: () => {
          throw new Error("out of pages");
        },
      });
      await expect(run).rejects.toThrow(/the backend factory threw: out of pages/);
    },
    BOUND,
  );

  it(
    "the page manager without the guest's sbrk source: rejects naming source",
    async () => {
      const run = runEmscriptenGuest({
        ...selftest(),
        backend: ({ memory }) => createWasmPageManager({ memory }),
      });
      await expect(run).rejects.toThrow(
        /grew the Emscripten guest's memory behind its sbrk.*createWasmPageManager\(\{ memory, source \}\)/,
      );
    },
    BOUND,
  );

  it(
    "the same for a guest importing module osal directly (osal/mman.h)",
    async () => {
      const js = fileURLToPath(guestUrl("sgen", "emscripten", "osal"));
      const run = runEmscriptenGuest({
        factory: require(js) as EmscriptenFactory,
        module: new WebAssembly.Module(readFileSync(js.replace(/\.js$/, ".wasm"))),
        backend: ({ memory }) => createWasmPageManager({ memory }),
      });
      await expect(run).rejects.toThrow(/grew the Emscripten guest's memory behind its sbrk/);
    },
    BOUND,
  );

  it(
    "a program linked with osal run without an osal host: aborts naming emscriptenOsal",
    async () => {
      const { factory } = selftest();
      const moduleArg: Record<string, unknown> = { printErr: () => {}, print: () => {} };
      let thrown: unknown;
      try {
        factory(moduleArg);
      } catch (error) {
        thrown = error;
      }
      // Emscripten 3.1.6 also rejects the module's ready promise with the same abort.
      await expect(moduleArg.ready).rejects.toThrow(/no osal host/);
      expect(String(thrown)).toMatch(
        /no osal host: pass \{ osal: emscriptenOsal\(\{ backend \}\) \}/,
      );
    },
    BOUND,
  );

  it("a guest without sbrk: reading the context's source names the fix", () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const context = guestBackendContext(memory, {}, "emscripten");
    expect(() => context.source).toThrow(/exports no sbrk.*osal-guest-flags --libs/);
    expect(guestBackendContext(memory, {}, "wasi").source).toBe("grow");
  });

  it("emscriptenOsal keeps the setup error it aborted with", () => {
    const host = emscriptenOsal({
      backend: () => {
        throw new Error("nope");
      },
    });
    const memory = new WebAssembly.Memory({ initial: 1 });
    expect(() => host.bind({ memory, exports: {} })).toThrow(/backend factory threw: nope/);
    expect(host.error?.message).toMatch(/backend factory threw: nope/);
  });
});

describe("wasi guest setup errors", () => {
  it("a module with no memory at all: TypeError", async () => {
    const module = new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]));
    await expect(instantiateWasiGuest({ module, wasi: tinyWasi([]) })).rejects.toThrow(
      /neither imports nor exports a memory/,
    );
  });
});

/** emcc, when installed (in CI a missing toolchain fails instead of skipping). */
function emcc(): string | undefined {
  const found = spawnSync("emcc", ["--version"], { stdio: "ignore" }).status === 0;
  if (!found && process.env.CI) throw new Error("CI: emcc missing (apt-get install emscripten)");
  if (!found) console.log("emcc not installed: the link-time checks are skipped");
  return found ? "emcc" : undefined;
}

describe.runIf(emcc() !== undefined)(
  "Emscripten builds the integration refuses at link time",
  () => {
    const flags = execFileSync("node", [
      fileURLToPath(new URL("../bin/osal-guest-flags.js", import.meta.url)),
      "--toolchain",
      "emscripten",
    ])
      .toString()
      .trim()
      .split(" ");

    function link(extra: readonly string[], drop: string | undefined): string {
      const dir = mkdtempSync(join(tmpdir(), "osal-link-"));
      try {
        const c = join(dir, "p.c");
        writeFileSync(
          c,
          "#include <sys/mman.h>\nint main(void){return mmap(0,4096,3,0x22,-1,0)==MAP_FAILED;}\n",
        );
        const result = spawnSync(
          "emcc",
          [...flags.filter((f) => f !== drop), ...extra, c, "-o", join(dir, "p.js")],
          { env: { ...process.env, NODE_PATH: "/usr/share/nodejs" }, encoding: "utf8" },
        );
        expect(result.status).not.toBe(0);
        return `${result.stdout}${result.stderr}`;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }

    it("a pthread build with -sEXPORT_ES6 (its workers load the program after the osal message): the link fails naming the fix", () => {
      expect(
        link(["-pthread", "-sEXPORT_ES6", "-sMODULARIZE", "-Wno-pthreads-mem-growth"], undefined),
      ).toMatch(/-pthread builds without -sEXPORT_ES6 only.*build without -sEXPORT_ES6/);
    }, 60_000);

    it("a build without -sWASM_BIGINT: the link fails naming the fix", () => {
      expect(link([], "-sWASM_BIGINT")).toMatch(/needs -sWASM_BIGINT.*add -sWASM_BIGINT/);
    }, 60_000);
  },
);
