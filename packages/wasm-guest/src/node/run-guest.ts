import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { WASI } from "node:wasi";
import { type EmscriptenFactory, runEmscriptenGuest } from "../emscripten-guest.js";
import type { GuestBackendFactory, GuestToolchain } from "../guest-backend.js";
import type { GuestImportsOptions } from "../guest-imports.js";
import { parseGuestResult } from "../guest-result.js";
import type { GuestRun } from "../guest-run.js";
import { runWasiGuest } from "../run-wasi-guest.js";

/** Options of {@link runGuest}. */
export interface RunGuestOptions extends Pick<GuestImportsOptions, "annotation"> {
  /** Which toolchain built the guest. */
  readonly toolchain: GuestToolchain;
  /**
   * The built guest: the `.wasm` for `wasi`; the loader `.js` for `emscripten`
   * (its `.wasm` is the same path with `.wasm`).
   */
  readonly file: string;
  /** Makes the backend; required for guests that import `osal`. */
  readonly backend?: GuestBackendFactory;
  /** The program's arguments (`argv[1..]`), e.g. `["steps=4000"]`. */
  readonly args?: readonly string[];
}

/**
 * Runs a built guest to completion in Node on the backend `options.backend`
 * makes (a fresh one per run), and returns its exit status, output and parsed
 * `OSAL-RESULT`. A `wasi` guest runs under `node:wasi` (preview1) with stdout
 * and stderr captured in JS ({@link captureStdio}); an `emscripten` guest through
 * {@link runEmscriptenGuest}. A trap is reported (`error`, exit status 134 for
 * wasi, 1 for emscripten), not thrown; a missing file or a bad module throws.
 */
export async function runGuest(options: RunGuestOptions): Promise<GuestRun> {
  return options.toolchain === "wasi" ? runWasi(options) : runEmscripten(options);
}

async function runWasi(options: RunGuestOptions): Promise<GuestRun> {
  return runWasiGuest({
    module: new WebAssembly.Module(readFileSync(options.file)),
    wasi: new WASI({
      version: "preview1",
      args: ["guest", ...(options.args ?? [])],
      env: {},
      returnOnExit: true,
    }),
    backend: options.backend,
    annotation: options.annotation,
  });
}

async function runEmscripten(options: RunGuestOptions): Promise<GuestRun> {
  const require = createRequire(import.meta.url);
  const factory = require(options.file) as EmscriptenFactory;
  const module = new WebAssembly.Module(readFileSync(options.file.replace(/\.js$/, ".wasm")));
  const out: string[] = [];
  const err: string[] = [];
  const run = await runEmscriptenGuest({
    factory,
    module,
    backend: options.backend,
    arguments: options.args,
    annotation: options.annotation,
    print: (line) => out.push(line),
    printErr: (line) => err.push(line),
  });
  const stdout = out.map((l) => `${l}\n`).join("");
  const stderr = err.map((l) => `${l}\n`).join("");
  return {
    exitCode: run.exitCode,
    stdout,
    stderr,
    result: parseGuestResult(stdout),
    error: run.error,
    os: run.os,
  };
}
