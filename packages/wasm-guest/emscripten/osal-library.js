/**
 * @osal/wasm-guest's Emscripten integration (emcc 3.1.6 and later): link with
 * `--js-library` (the flags of `osal-guest-flags --libs --toolchain emscripten`
 * include it, with `-losal-mman`). It provides the `env.osal_*` imports that
 * libosal-mman calls and forwards them to the osal host given in the module
 * arguments (`Module.osal`, made by `emscriptenOsal()` from @osal/wasm-guest or
 * by `runEmscriptenGuest`). Before anything runs (preRun, once the instance
 * exists) it hands the host the guest's memory, its exports and its `sbrk`
 * (exported by libosal-mman as `osal_sbrk`), so the page manager takes its
 * pages from Emscripten's break. Setup mistakes abort with a message that
 * names the fix; builds it cannot serve fail at link time.
 */
#if USE_PTHREADS
{(() => { throw new Error("@osal/wasm-guest: the osal Emscripten integration does not support pthreads yet (one linear memory shared by threads needs a thread-safe backend): build without -pthread / -sUSE_PTHREADS"); })() }
#endif
#if !WASM_BIGINT
{(() => { throw new Error("@osal/wasm-guest: the osal Emscripten integration needs -sWASM_BIGINT (mmap's 64-bit offset must reach the host as one BigInt): add -sWASM_BIGINT"); })() }
#endif

mergeInto(LibraryManager.library, {
  $OSAL__postset: "addOnPreRun(function () { OSAL.start(); });",
  $OSAL: {
    imports: null,
    start: function () {
      if (OSAL.imports) return OSAL.imports;
      var host = Module["osal"];
      if (!host || typeof host["bind"] != "function") {
        abort("@osal/wasm-guest: this program is linked with the osal Emscripten integration (-losal-mman) but its module arguments have no osal host: pass { osal: emscriptenOsal({ backend }) } from @osal/wasm-guest, or run it with runEmscriptenGuest({ backend })");
      }
      var exports = Module["asm"];
      if (typeof exports["osal_sbrk"] != "function") {
        abort("@osal/wasm-guest: the guest exports no osal_sbrk: link libosal-mman with the flags of osal-guest-flags --libs --toolchain emscripten");
      }
      try {
        OSAL.imports = host["bind"]({ "memory": wasmMemory, "exports": exports });
      } catch (e) {
        abort(e && e.message ? e.message : String(e));
      }
      return OSAL.imports;
    },
  },
  osal_mmap__deps: ["$OSAL"],
  osal_mmap__sig: "iiiiiij",
  osal_mmap: function (addr, len, prot, flags, fd, off) {
    return (OSAL.imports || OSAL.start())["mmap"](addr, len, prot, flags, fd, off);
  },
  osal_munmap__deps: ["$OSAL"],
  osal_munmap__sig: "iii",
  osal_munmap: function (addr, len) {
    return (OSAL.imports || OSAL.start())["munmap"](addr, len);
  },
  osal_mremap__deps: ["$OSAL"],
  osal_mremap__sig: "iiiiii",
  osal_mremap: function (old, oldLen, newLen, flags, newAddr) {
    return (OSAL.imports || OSAL.start())["mremap"](old, oldLen, newLen, flags, newAddr);
  },
  osal_mprotect__deps: ["$OSAL"],
  osal_mprotect__sig: "iiii",
  osal_mprotect: function (addr, len, prot) {
    return (OSAL.imports || OSAL.start())["mprotect"](addr, len, prot);
  },
  osal_madvise__deps: ["$OSAL"],
  osal_madvise__sig: "iiii",
  osal_madvise: function (addr, len, advice) {
    return (OSAL.imports || OSAL.start())["madvise"](addr, len, advice);
  },
  osal_page_size__deps: ["$OSAL"],
  osal_page_size__sig: "i",
  osal_page_size: function () {
    return (OSAL.imports || OSAL.start())["page_size"]();
  },
  osal_set_vma_name__deps: ["$OSAL"],
  osal_set_vma_name__sig: "iiii",
  osal_set_vma_name: function (addr, len, name) {
    return (OSAL.imports || OSAL.start())["set_vma_name"](addr, len, name);
  },
});
