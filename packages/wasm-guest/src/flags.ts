import { fileURLToPath } from "node:url";
import type { GuestToolchain } from "./guest-backend.js";

/** The compile and link flags that give a C program osal's mmap, for one toolchain. */
export interface GuestFlags {
  /** Compile flags: the drop-in `<sys/mman.h>` and `<sys/prctl.h>` first, then `<osal/mman.h>`. */
  readonly cflags: readonly string[];
  /** Link flags: libosal-mman, the `--wrap`s for the page size, and (Emscripten) the JS library. */
  readonly libs: readonly string[];
}

/**
 * The flags that turn a C file written for Linux's `<sys/mman.h>` into an osal
 * guest, with paths into this installed package (found from this module's own
 * location, so they hold with hoisting, pnpm and workspaces). What the
 * `osal-guest-flags` command prints:
 *
 * - wasi: link `-losal-mman` instead of `-lwasi-emulated-mman`;
 *   `-Wl,--wrap=sysconf,--wrap=getpagesize` make the page size the backend's;
 * - emscripten: the same library built by emcc, plus `--js-library` (the
 *   `osal` host wiring, which fails the link for pthread builds and without
 *   `-sWASM_BIGINT`), `-sWASM_BIGINT` and `-sALLOW_MEMORY_GROWTH=1` (the page
 *   manager claims pages through the guest's `sbrk`, which grows the memory).
 */
export function guestFlags(toolchain: GuestToolchain, packageRoot = defaultRoot()): GuestFlags {
  const at = (path: string) => `${packageRoot}/${path}`;
  const cflags = [`-I${at("include/libc")}`, `-I${at("include")}`];
  const wraps = ["-Wl,--wrap=sysconf", "-Wl,--wrap=getpagesize"];
  if (toolchain === "wasi") {
    return { cflags, libs: [`-L${at("lib/wasi")}`, "-losal-mman", ...wraps] };
  }
  return {
    cflags,
    libs: [
      `-L${at("lib/emscripten")}`,
      "-losal-mman",
      "--js-library",
      at("emscripten/osal-library.js"),
      "-sWASM_BIGINT",
      "-sALLOW_MEMORY_GROWTH=1",
      ...wraps,
    ],
  };
}

/** This package's folder: `dist/flags.js` (or `src/flags.ts`) lives one level below it. */
function defaultRoot(): string {
  return fileURLToPath(new URL("..", import.meta.url)).replace(/\/$/, "");
}
