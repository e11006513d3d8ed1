import { currentBuffer } from "@osal/core";
import type { WasiLike } from "./wasi-guest.js";

/** A {@link WasiLike} whose stdout and stderr are collected in JS. */
export interface CapturedWasi extends WasiLike {
  /** Everything written to fd 1 so far. */
  stdout(): string;
  /** Everything written to fd 2 so far. */
  stderr(): string;
}

type FdWrite = (fd: number, iovs: number, iovsLen: number, nwritten: number) => number;

/**
 * Wraps `wasi` so that `fd_write` to fd 1 and fd 2 is decoded (UTF-8) and kept
 * in memory instead of reaching the host's file descriptors; every other call,
 * and writes to other fds, go to `wasi` unchanged. `memory` is read lazily (the
 * guest's memory exists only after instantiation). Tests and the CLI capture a
 * guest's output this way without handing host fds to the WASI implementation.
 */
export function captureStdio(wasi: WasiLike, memory: () => WebAssembly.Memory): CapturedWasi {
  const chunks: [Uint8Array[], Uint8Array[]] = [[], []];
  const inner = wasi.wasiImport as Record<string, unknown>;
  const original = inner.fd_write as FdWrite;
  const fdWrite: FdWrite = (fd, iovs, iovsLen, nwritten) => {
    if (fd !== 1 && fd !== 2) return original(fd, iovs, iovsLen, nwritten);
    const view = new DataView(currentBuffer(memory()));
    let total = 0;
    for (let i = 0; i < iovsLen; i++) {
      const base = view.getUint32(iovs + i * 8, true);
      const length = view.getUint32(iovs + i * 8 + 4, true);
      chunks[fd - 1]?.push(new Uint8Array(view.buffer, base, length).slice());
      total += length;
    }
    view.setUint32(nwritten, total, true);
    return 0;
  };
  const decode = (parts: Uint8Array[]) => new TextDecoder().decode(concat(parts));
  return {
    wasiImport: { ...inner, fd_write: fdWrite },
    start: (instance) => wasi.start(instance),
    stdout: () => decode(chunks[0]),
    stderr: () => decode(chunks[1]),
  };
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}
