import type { WasiLike } from "../../src/index.js";

class ProcExit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * A minimal WASI preview1 in the shape of `@bjorn3/browser_wasi_shim`'s `WASI`
 * (`wasiImport` + `start(instance)` that runs `_start` and returns the exit
 * code), with only what the guests import: it shows the helpers work with a
 * WASI that is not `node:wasi`, without installing the shim.
 */
export function tinyWasi(args: readonly string[]): WasiLike & { readonly stdout: string[] } {
  let memory: WebAssembly.Memory | undefined;
  const stdout: string[] = [];
  const view = () => {
    if (memory === undefined) throw new Error("no memory yet");
    return new DataView(memory.buffer);
  };
  const argv = ["guest", ...args].map((a) => new TextEncoder().encode(`${a}\0`));
  const wasiImport = {
    args_sizes_get(countPtr: number, sizePtr: number) {
      view().setUint32(countPtr, argv.length, true);
      view().setUint32(
        sizePtr,
        argv.reduce((n, a) => n + a.length, 0),
        true,
      );
      return 0;
    },
    args_get(argvPtr: number, bufPtr: number) {
      let at = bufPtr;
      argv.forEach((arg, i) => {
        view().setUint32(argvPtr + 4 * i, at, true);
        new Uint8Array(view().buffer, at, arg.length).set(arg);
        at += arg.length;
      });
      return 0;
    },
    fd_write(fd: number, iovs: number, iovsLen: number, nwritten: number) {
      let total = 0;
      for (let i = 0; i < iovsLen; i++) {
        const base = view().getUint32(iovs + 8 * i, true);
        const len = view().getUint32(iovs + 8 * i + 4, true);
        if (fd === 1)
          stdout.push(new TextDecoder().decode(new Uint8Array(view().buffer, base, len)));
        total += len;
      }
      view().setUint32(nwritten, total, true);
      return 0;
    },
    fd_close: () => 0,
    fd_seek: () => 70, // ESPIPE in WASI numbering
    fd_fdstat_get: (_fd: number, statPtr: number) => {
      new Uint8Array(view().buffer, statPtr, 24).fill(0);
      view().setUint8(statPtr, 2); // character device
      return 0;
    },
    proc_exit(code: number): never {
      throw new ProcExit(code);
    },
  };
  return {
    wasiImport,
    stdout,
    start(instance) {
      memory = instance.exports.memory as WebAssembly.Memory;
      try {
        (instance.exports._start as () => void)();
        return 0;
      } catch (error) {
        if (error instanceof ProcExit) return error.code;
        throw error;
      }
    },
  };
}
