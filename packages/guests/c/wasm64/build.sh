#!/bin/sh
# Builds the freestanding wasm64 guests (clang --target=wasm64, memory64; no
# libc: Debian ships no wasm64 sysroot) into packages/guests/build/wasm64:
# memory64.wasm (osal/mman.h past 4 GiB) and allocator64.wasm (aligned_alloc,
# free and sbrk for @osal/wasm-posix-memalign's guestAllocator).
# Deterministic, like ../../build.sh: no paths, no timestamps, no debug info.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
CLANG=${CLANG:-clang}
command -v "$CLANG" >/dev/null 2>&1 || { echo "c/wasm64/build.sh: no $CLANG" >&2; exit 2; }
command -v wasm-ld >/dev/null 2>&1 || { echo "c/wasm64/build.sh: no wasm-ld (lld)" >&2; exit 2; }
mkdir -p build/wasm64
# 16 GiB maximum (V8's memory64 limit), 1 MiB initial: data and a 512 KiB stack.
"$CLANG" --target=wasm64 -O2 -g0 -std=c11 -Wall -Wextra -Werror -ffreestanding -nostdlib \
  -I../wasm-guest/include -ffile-prefix-map="$ROOT/=" -fdebug-prefix-map="$ROOT/=" \
  -Wl,--no-entry -Wl,--strip-debug -Wl,-z,stack-size=524288 \
  -Wl,--initial-memory=1048576 -Wl,--max-memory=17179869184 \
  c/wasm64/memory64.c -o build/wasm64/memory64.wasm
# The wasm64 allocator (aligned_alloc/free/sbrk) for @osal/wasm-posix-memalign's
# guestAllocator on memory64: 16 GiB maximum, 128 KiB initial, a 64 KiB stack.
"$CLANG" --target=wasm64 -O2 -g0 -std=c11 -Wall -Wextra -Werror -ffreestanding -nostdlib \
  -ffile-prefix-map="$ROOT/=" -fdebug-prefix-map="$ROOT/=" \
  -Wl,--no-entry -Wl,--strip-debug -Wl,-z,stack-size=65536 \
  -Wl,--initial-memory=131072 -Wl,--max-memory=17179869184 \
  c/wasm64/allocator64.c -o build/wasm64/allocator64.wasm
