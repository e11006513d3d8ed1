#!/bin/sh
# Builds every osal guest two ways (osal imports / the libc's own mmap) with
# two toolchains (Debian's clang + wasi-libc, Debian's emscripten) into
# build/. Deterministic: no absolute paths, no timestamps, no debug
# info, so building twice gives identical bytes and CI can compare the
# committed outputs. Exits non-zero if a toolchain is missing or a build fails.
#
#   packages/guests/build.sh            build everything
#   packages/guests/build.sh --check    build into a temporary folder and compare with build/
set -eu

# Paths inside the outputs are relative to this package, wherever it sits.
cd "$(dirname "$0")"
ROOT=$(pwd)
WORKLOADS="zend sgen coreclr ghc mmtk"
INCLUDE=../wasm-guest/include
OUT=build
CHECK=0
if [ "${1:-}" = "--check" ]; then
  CHECK=1
  OUT=$(mktemp -d)
  trap 'rm -rf "$OUT"' EXIT
fi

CLANG=${CLANG:-clang}
EMCC=${EMCC:-emcc}
missing=""
command -v "$CLANG" >/dev/null 2>&1 || missing="$missing $CLANG"
command -v wasm-ld >/dev/null 2>&1 || missing="$missing wasm-ld(lld)"
command -v "$EMCC" >/dev/null 2>&1 || missing="$missing $EMCC"
if [ -n "$missing" ]; then
  echo "packages/guests/build.sh: missing toolchain:$missing (apt-get install clang lld wasi-libc libclang-rt-dev-wasm32 emscripten)" >&2
  exit 2
fi
# wasi-libc present?
if ! echo 'int main(void){return 0;}' | "$CLANG" --target=wasm32-wasi -x c - -o /dev/null 2>/dev/null; then
  echo "packages/guests/build.sh: $CLANG cannot link for wasm32-wasi (install wasi-libc and libclang-rt-dev-wasm32)" >&2
  exit 2
fi
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}
export SOURCE_DATE_EPOCH=0

COMMON_CFLAGS="-O2 -g0 -std=c11 -Wall -Wextra -Werror -I$INCLUDE -ffile-prefix-map=$ROOT/=  -fdebug-prefix-map=$ROOT/="
WASI_FLAGS="--target=wasm32-wasi -D_GNU_SOURCE -Wl,--strip-debug -Wl,--max-memory=4294967296 \
  -Wl,--export=aligned_alloc -Wl,--export=free"
EMCC_FLAGS="-sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 -sMODULARIZE=1 -sEXPORT_NAME=createGuest \
  -sALLOW_MEMORY_GROWTH=1 -sMAXIMUM_MEMORY=4GB -sWASM_BIGINT=1 -sABORTING_MALLOC=0 -sEXIT_RUNTIME=1 \
  -sFILESYSTEM=0 -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0 -sEXPORTED_FUNCTIONS=_main,_sbrk,_aligned_alloc,_free"

mkdir -p "$OUT/wasi" "$OUT/emscripten"
# The Emscripten .js loaders are CommonJS; the repository root is "type": "module".
printf '{\n  "type": "commonjs"\n}\n' >"$OUT/emscripten/package.json"

for w in $WORKLOADS; do
  src="c/$w/$w.c c/common/guest.c"
  # shellcheck disable=SC2086
  "$CLANG" $COMMON_CFLAGS $WASI_FLAGS -DGUEST_MMAN_OSAL $src -o "$OUT/wasi/$w-osal.wasm"
  # shellcheck disable=SC2086
  "$CLANG" $COMMON_CFLAGS $WASI_FLAGS -D_WASI_EMULATED_MMAN $src -lwasi-emulated-mman -o "$OUT/wasi/$w-libc.wasm"

  # The osal imports live in the wasm import module "osal", which emcc 3.1.6's
  # JS compiler does not know: it would report them as undefined symbols. Let
  # them through, but fail on any other undefined symbol.
  log=$(mktemp)
  # shellcheck disable=SC2086
  "$EMCC" $COMMON_CFLAGS $EMCC_FLAGS -sERROR_ON_UNDEFINED_SYMBOLS=0 -DGUEST_MMAN_OSAL $src \
    -o "$OUT/emscripten/$w-osal.js" 2>"$log" || { cat "$log" >&2; rm -f "$log"; exit 1; }
  if grep -i "undefined symbol" "$log" | grep -vE "undefined symbol: (mmap|munmap|mremap|mprotect|madvise) " >/dev/null; then
    cat "$log" >&2
    rm -f "$log"
    echo "packages/guests/build.sh: $w-osal (emscripten): undefined symbols besides the osal imports" >&2
    exit 1
  fi
  rm -f "$log"
  # shellcheck disable=SC2086
  "$EMCC" $COMMON_CFLAGS $EMCC_FLAGS -D_GNU_SOURCE $src -o "$OUT/emscripten/$w-libc.js"
done

# Programs written against plain <sys/mman.h>, built with the documented flags
# only (osal-guest-flags, the drop-in integration), besides the program's own
# optimisation, warning and loader choices, and the exports wasm-posix-memalign
# takes its blocks from (aligned_alloc, free).
FLAGS="node ../wasm-guest/bin/osal-guest-flags.js"
PLAIN_CFLAGS="-O2 -g0 -std=c11 -Wall -Wextra -Werror -ffile-prefix-map=$ROOT/= -fdebug-prefix-map=$ROOT/="
LOADER="-sENVIRONMENT=node -sWASM_ASYNC_COMPILATION=0 -sMODULARIZE=1 -sEXPORT_NAME=createGuest \
  -sEXIT_RUNTIME=1 -sFILESYSTEM=0 -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0"
for p in selftest/mman_selftest; do
  name=$(basename "$p" | tr _ -)
  # shellcheck disable=SC2046,SC2086
  "$CLANG" --target=wasm32-wasi $PLAIN_CFLAGS -Wl,--strip-debug -Wl,--export=aligned_alloc \
    -Wl,--export=free $($FLAGS --toolchain wasi) "c/$p.c" \
    -o "$OUT/wasi/$name.wasm"
  # shellcheck disable=SC2046,SC2086
  "$EMCC" $PLAIN_CFLAGS $LOADER -sEXPORTED_FUNCTIONS=_main,_aligned_alloc,_free \
    $($FLAGS --toolchain emscripten) "c/$p.c" -o "$OUT/emscripten/$name.js"
done

# Four pthreads stressing mmap at once (c/threads), Emscripten -pthread with
# the documented flags only. Not -sWASM_ASYNC_COMPILATION=0: emcc 3.1.6's
# pthread worker awaits the factory's promise, which that setting takes away.
# The worker pool (-sPTHREAD_POOL_SIZE) is loaded before main runs, as the osal
# integration needs; -Wno-pthreads-mem-growth: growth is what is tested.
# shellcheck disable=SC2046,SC2086
"$EMCC" $PLAIN_CFLAGS -Wno-pthreads-mem-growth -pthread -sPTHREAD_POOL_SIZE=4 \
  -sENVIRONMENT=node,web,worker -sMODULARIZE=1 -sEXPORT_NAME=createGuest -sEXIT_RUNTIME=1 \
  -sFILESYSTEM=0 -sNODEJS_CATCH_EXIT=0 -sNODEJS_CATCH_REJECTION=0 -sMAXIMUM_MEMORY=1GB \
  $($FLAGS --toolchain emscripten) c/threads/threads.c -o "$OUT/emscripten/threads-osal.js"

# The same stress, one instance per thread (wasi-threads shape, c/threads):
# freestanding, as Debian's wasi-libc has no threads sysroot and its objects
# (built without atomics) cannot be linked into a shared memory.
# shellcheck disable=SC2086
"$CLANG" --target=wasm32-wasi $PLAIN_CFLAGS -matomics -mbulk-memory -nostdlib -Wl,--no-entry \
  -Wl,--shared-memory -Wl,--import-memory -Wl,--max-memory=1073741824 -Wl,--strip-debug \
  c/threads/wasi_threads.c c/threads/wasi_thread_start.s -o "$OUT/wasi/threads-osal.wasm"

if [ "$CHECK" = 1 ]; then
  if diff -r "$OUT" build >/dev/null; then
    echo "packages/guests/build.sh --check: committed outputs match"
  else
    echo "packages/guests/build.sh --check: build/ differs from a fresh build:" >&2
    diff -rq "$OUT" build >&2 || true
    exit 1
  fi
else
  echo "packages/guests/build.sh: built $(find "$OUT" -name '*.wasm' | wc -l | tr -d ' ') wasm modules into $OUT"
fi
