#!/usr/bin/env bash
# Builds the committed WebAssembly of @osal/wasm-posix-memalign from C, reproducibly:
#   c/allocator.c                -> wasm/allocator.wasm + src/generated/allocator-wasm.ts
#   c/dlmalloc-guest.c           -> wasm/dlmalloc-guest.wasm (wasi-libc's dlmalloc as a reactor)
# Toolchain: Debian's clang + lld + wasi-libc (packages clang, lld, wasi-libc,
# libclang-rt-14-dev-wasm32). The outputs were produced with Debian clang 14.0.6;
# CI runs this script and fails when the results differ from the committed files.
# Every file is built twice and compared, so a non-reproducible toolchain fails here.
# Environment: CLANG (default clang), WASI_SYSROOT (passed as --sysroot when set).
set -euo pipefail

cd "$(dirname "$0")/.."

CLANG="${CLANG:-clang}"
SYSROOT_FLAGS=()
if [[ -n "${WASI_SYSROOT:-}" ]]; then SYSROOT_FLAGS=(--sysroot="$WASI_SYSROOT"); fi

fail() {
  echo "build-wasm.sh: $*" >&2
  exit 1
}

command -v "$CLANG" >/dev/null 2>&1 || fail "clang not found (install Debian's clang, lld, wasi-libc, libclang-rt-14-dev-wasm32)"
command -v node >/dev/null 2>&1 || fail "node not found"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# The toolchain must compile and link a wasi-libc program (headers, libc.a, wasm-ld).
printf '#include <stdlib.h>\nint main(void) { return aligned_alloc(16, 16) == 0; }\n' >"$work/probe.c"
"$CLANG" --target=wasm32-wasi "${SYSROOT_FLAGS[@]}" -O2 "$work/probe.c" -o "$work/probe.wasm" \
  >"$work/probe.log" 2>&1 || {
  cat "$work/probe.log" >&2
  fail "clang cannot build for wasm32-wasi (missing lld, wasi-libc or libclang-rt-14-dev-wasm32?)"
}

version="$("$CLANG" --version | head -n 1)"
case "$version" in
*"clang version 14."*) ;;
*) echo "build-wasm.sh: warning: committed outputs come from Debian clang 14.0.6, this is: $version" >&2 ;;
esac

COMMON=(--target=wasm32-wasi "${SYSROOT_FLAGS[@]}" -O2 -Wall -Wextra -Werror -ffile-prefix-map="$PWD"=.)

build_allocator() {
  # No libc and no WASI imports: the module imports only its memory (env.memory).
  "$CLANG" "${COMMON[@]}" -nostdlib -ffreestanding -Wl,--no-entry -Wl,--import-memory -Wl,--strip-all \
    -Wl,-z,stack-size=16384 c/allocator.c -o "$1"
}

build_guest() {
  # A wasi-libc reactor exporting dlmalloc's aligned_alloc/free and its memory.
  "$CLANG" "${COMMON[@]}" -mexec-model=reactor -Wl,--strip-all \
    c/dlmalloc-guest.c -o "$1"
}

twice() {
  local name="$1" builder="$2"
  "$builder" "$work/$name.1.wasm"
  "$builder" "$work/$name.2.wasm"
  cmp -s "$work/$name.1.wasm" "$work/$name.2.wasm" || fail "$name.wasm is not reproducible"
}

twice allocator build_allocator
twice dlmalloc-guest build_guest

mkdir -p wasm src/generated
cp "$work/allocator.1.wasm" wasm/allocator.wasm
cp "$work/dlmalloc-guest.1.wasm" wasm/dlmalloc-guest.wasm
node scripts/embed-wasm.mjs wasm/allocator.wasm src/generated/allocator-wasm.ts

echo "build-wasm.sh: wrote wasm/allocator.wasm, src/generated/allocator-wasm.ts, wasm/dlmalloc-guest.wasm"
