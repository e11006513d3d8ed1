#!/bin/sh
# Builds libosal-mman.a, the drop-in mmap library of @osal/wasm-guest, from
# c/osal-mman.c for both toolchains: lib/wasi/ (Debian's clang + wasi-libc)
# and lib/emscripten/ (Debian's emcc 3.1.6). Deterministic (no debug info, no
# absolute paths, `llvm-ar D`), so CI rebuilds it and compares with the
# committed files. Exits non-zero if a toolchain is missing or a build fails.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CLANG=${CLANG:-clang}
EMCC=${EMCC:-emcc}
AR=${AR:-llvm-ar}
for tool in "$CLANG" "$EMCC" "$AR"; do
  command -v "$tool" >/dev/null 2>&1 || {
    echo "wasm-guest/scripts/build-lib.sh: missing $tool (apt-get install clang lld llvm wasi-libc emscripten)" >&2
    exit 2
  }
done
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
export SOURCE_DATE_EPOCH=0
CFLAGS="-O2 -g0 -std=c11 -Wall -Wextra -Werror -Iinclude/libc -ffile-prefix-map=$ROOT/= -fdebug-prefix-map=$ROOT/="
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir -p lib/wasi lib/emscripten
# shellcheck disable=SC2086
"$CLANG" --target=wasm32-wasi $CFLAGS -c c/osal-mman.c -o "$TMP/osal-mman-wasi.o"
# shellcheck disable=SC2086
"$EMCC" $CFLAGS -c c/osal-mman.c -o "$TMP/osal-mman-emscripten.o"
for t in wasi emscripten; do
  rm -f "lib/$t/libosal-mman.a"
  cp "$TMP/osal-mman-$t.o" "$TMP/osal-mman.o"
  (cd "$TMP" && "$AR" rcsD "$ROOT/lib/$t/libosal-mman.a" osal-mman.o)
done
echo "wasm-guest/scripts/build-lib.sh: built lib/wasi/libosal-mman.a and lib/emscripten/libosal-mman.a"
