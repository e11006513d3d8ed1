#!/usr/bin/env node
// osal-guest-flags [--cflags] [--libs] [--toolchain wasi|emscripten]
// Prints the flags that give a C program written for Linux's <sys/mman.h>
// osal's mmap, with paths into this installed package (see the README):
//   clang --target=wasm32-wasi $(npx osal-guest-flags) prog.c -o prog.wasm
//   emcc $(npx osal-guest-flags --toolchain emscripten) prog.c -o prog.js
// Self-contained (no build needed); `guestFlags()` in @osal/wasm-guest/flags
// gives the same lists to JS (a test keeps them equal).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const usage = "usage: osal-guest-flags [--cflags] [--libs] [--toolchain wasi|emscripten]";
const args = process.argv.slice(2);
let toolchain = "wasi";
let cflags = false;
let libs = false;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === "--cflags") cflags = true;
  else if (arg === "--libs") libs = true;
  else if (arg === "--toolchain") toolchain = args[++i];
  else if (arg.startsWith("--toolchain=")) toolchain = arg.slice("--toolchain=".length);
  else if (arg === "--help" || arg === "-h") {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  } else {
    process.stderr.write(`osal-guest-flags: unknown argument ${arg}\n${usage}\n`);
    process.exit(2);
  }
}
if (toolchain !== "wasi" && toolchain !== "emscripten") {
  process.stderr.write(
    `osal-guest-flags: toolchain ${toolchain}: use wasi or emscripten\n${usage}\n`,
  );
  process.exit(2);
}
if (!cflags && !libs) {
  cflags = true;
  libs = true;
}
const compile = [`-I${root}/include/libc`, `-I${root}/include`];
const wraps = ["-Wl,--wrap=sysconf", "-Wl,--wrap=getpagesize"];
const link =
  toolchain === "wasi"
    ? [`-L${root}/lib/wasi`, "-losal-mman", ...wraps]
    : [
        `-L${root}/lib/emscripten`,
        "-losal-mman",
        "--js-library",
        `${root}/emscripten/osal-library.js`,
        "-sWASM_BIGINT",
        "-sALLOW_MEMORY_GROWTH=1",
        ...wraps,
      ];
const out = [...(cflags ? compile : []), ...(libs ? link : [])];
process.stdout.write(`${out.join(" ")}\n`);
