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
 *
 * pthreads (-pthread): this code runs in every pthread worker too, where the
 * module arguments are not seen (Emscripten's worker.js makes its own Module).
 * On the main thread, each worker Emscripten loads is sent, right after its
 * `load` message (the library wraps `PThread.loadWasmModuleToWorker`, the one
 * place the main thread hands a worker its module and memory), an `osal` message with what the host's `thread()` returns:
 * the URL of an ES module and the structured-cloneable data (the page
 * manager's state buffer) its default export needs to make the worker's own
 * host, attached to the same backend state. In the worker, the library holds a
 * run dependency (so the worker reports `loaded`, and gets a thread to run,
 * only once its host exists), takes that message before worker.js sees it,
 * imports the module and binds the worker's imports to the instance as on the
 * main thread. Needs the worker pool (-sPTHREAD_POOL_SIZE=N): a worker made on
 * demand would load while the main thread blocks in pthread_join.
 */
#if USE_PTHREADS && EXPORT_ES6
{(() => { throw new Error("@osal/wasm-guest: the osal Emscripten integration supports -pthread builds without -sEXPORT_ES6 only (an ES6 pthread worker loads the program asynchronously, after the osal message it needs): build without -sEXPORT_ES6"); })() }
#endif
#if !WASM_BIGINT
{(() => { throw new Error("@osal/wasm-guest: the osal Emscripten integration needs -sWASM_BIGINT (mmap's 64-bit offset must reach the host as one BigInt): add -sWASM_BIGINT"); })() }
#endif

mergeInto(LibraryManager.library, {
#if USE_PTHREADS
  $OSAL__deps: ["$PThread"],
  $OSAL__postset: "OSAL.init();",
#else
  $OSAL__postset: "addOnPreRun(function () { OSAL.start(); });",
#endif
  $OSAL: {
    imports: null,
    host: null,
#if USE_PTHREADS
    init: function () {
      if (ENVIRONMENT_IS_PTHREAD) {
        OSAL.awaitHost();
        return;
      }
      addOnPreRun(function () { OSAL.start(); });
      var load = PThread.loadWasmModuleToWorker;
      PThread.loadWasmModuleToWorker = function (worker, onFinishedLoading) {
        load(worker, onFinishedLoading);
        var host = Module["osal"];
        OSAL.start();
        if (typeof host["thread"] != "function") {
          abort("@osal/wasm-guest: this -pthread program's osal host cannot serve threads: make it with emscriptenOsal({ backend, threads }) from @osal/wasm-guest");
        }
        var thread;
        try {
          thread = host["thread"]();
        } catch (e) {
          abort(e && e.message ? e.message : String(e));
        }
        worker.postMessage({ "cmd": "osal", "module": thread["module"], "shared": thread["shared"] });
      };
    },
    awaitHost: function () {
      addRunDependency("osal");
      var onmessage = self.onmessage;
      self.onmessage = function (e) {
        var d = e["data"];
        if (!d || d["cmd"] !== "osal") return onmessage.call(this, e);
        self.onmessage = onmessage;
        import(d["module"]).then(function (m) {
          if (typeof m["default"] != "function") throw new Error("it has no default export making the worker's osal host");
          OSAL.host = m["default"](d["shared"]);
          removeRunDependency("osal");
        }).catch(function (error) {
          // Reported to the main thread's Module.onAbort (runEmscriptenGuest rejects
          // with it); not thrown here, where nothing would catch it. The worker
          // never reports loaded, so it is never given a thread.
          var message = "@osal/wasm-guest: a pthread worker could not make its osal host with " + d["module"] + ": " + (error && error.message ? error.message : String(error));
          err(message);
          postMessage({ "cmd": "onAbort", "arg": message });
        });
      };
    },
#endif
    start: function () {
      if (OSAL.imports) return OSAL.imports;
      var host = OSAL.host || Module["osal"];
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
