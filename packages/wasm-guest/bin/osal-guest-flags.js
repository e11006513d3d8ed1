#!/usr/bin/env node
// osal-guest-flags [--cflags] [--libs] [--toolchain wasi|emscripten]
// Prints the flags that give a C program osal's mmap (see @osal/wasm-guest's
// README): `clang --target=wasm32-wasi $(npx osal-guest-flags --cflags --libs) prog.c`.
import { guestFlags } from "../dist/flags.js";

const args = process.argv.slice(2);
let toolchain = "wasi";
let cflags = false;
let libs = false;
for (let i = 0; i < args.length; i++) {
  const arg = args[i];
  if (arg === "--cflags") cflags = true;
  else if (arg === "--libs") libs = true;
  else if (arg === "--toolchain" && (args[i + 1] === "wasi" || args[i + 1] === "emscripten")) {
    toolchain = args[++i];
  } else if (arg.startsWith("--toolchain=")) {
    toolchain = arg.slice("--toolchain=".length);
  } else {
    process.stderr.write(
      `osal-guest-flags: unknown argument ${arg}\n` +
        "usage: osal-guest-flags [--cflags] [--libs] [--toolchain wasi|emscripten]\n",
    );
    process.exit(2);
  }
}
if (toolchain !== "wasi" && toolchain !== "emscripten") {
  process.stderr.write(`osal-guest-flags: toolchain ${toolchain}: use wasi or emscripten\n`);
  process.exit(2);
}
if (!cflags && !libs) {
  cflags = true;
  libs = true;
}
const flags = guestFlags(toolchain);
const out = [...(cflags ? flags.cflags : []), ...(libs ? flags.libs : [])];
process.stdout.write(`${out.join(" ")}\n`);
