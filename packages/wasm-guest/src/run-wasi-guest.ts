import type { GuestBackendFactory } from "./guest-backend.js";
import type { GuestImportsOptions } from "./guest-imports.js";
import { parseGuestResult } from "./guest-result.js";
import type { GuestRun } from "./guest-run.js";
import { captureStdio } from "./stdio-capture.js";
import { instantiateWasiGuest, type WasiLike } from "./wasi-guest.js";

/** Options of {@link runWasiGuest}. */
export interface RunWasiGuestOptions extends Pick<GuestImportsOptions, "annotation"> {
  /** The compiled guest (clang + wasi-libc). */
  readonly module: WebAssembly.Module;
  /**
   * The WASI implementation, already given the guest's arguments and
   * environment: `node:wasi` (preview1) in Node, `@bjorn3/browser_wasi_shim`'s
   * `WASI` in a browser.
   */
  readonly wasi: WasiLike;
  /** Makes the backend; required for guests that import `osal`. */
  readonly backend?: GuestBackendFactory;
}

/**
 * Runs a wasi-libc guest to completion on the backend `options.backend` makes,
 * in any host: the WASI implementation is the caller's, so the same call works
 * under `node:wasi` and in a browser under `@bjorn3/browser_wasi_shim`. Stdout
 * and stderr are captured in JS ({@link captureStdio}) and the `OSAL-RESULT`
 * line is parsed. A trap is reported (`error`, exit status 134), not thrown; a
 * module that cannot be instantiated throws.
 */
export async function runWasiGuest(options: RunWasiGuestOptions): Promise<GuestRun> {
  let memory: WebAssembly.Memory | undefined;
  const wasi = captureStdio(options.wasi, () => {
    if (memory === undefined)
      throw new Error("@osal/wasm-guest: the guest wrote before it was instantiated");
    return memory;
  });
  const guest = await instantiateWasiGuest({
    module: options.module,
    wasi,
    backend: options.backend,
    annotation: options.annotation,
  });
  memory = guest.memory;
  let exitCode: number;
  let error: unknown;
  try {
    exitCode = guest.start();
  } catch (caught) {
    error = caught;
    exitCode = 134;
  }
  const stdout = wasi.stdout();
  return {
    exitCode,
    stdout,
    stderr: wasi.stderr(),
    result: parseGuestResult(stdout),
    error,
    os: guest.os,
  };
}
