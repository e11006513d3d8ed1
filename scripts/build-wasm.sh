#!/usr/bin/env bash
# Rebuilds every committed .wasm (and Emscripten .js) from the repo's own C
# sources with Debian's clang + wasi-libc and emscripten. Deterministic: running
# it on a clean checkout must leave `git status` clean. Fails if a toolchain is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
builds=(
  packages/wasm-guest/scripts/build-lib.sh
  packages/wasm-posix-memalign/scripts/build-wasm.sh
  packages/guests/build.sh
  packages/guests/c/wasm64/build.sh
)
for build in "${builds[@]}"; do
  echo "build-wasm: $build"
  bash "$build"
done
echo "build-wasm: ${#builds[@]} build scripts ran"
