import { MmapError } from "./errors.js";

/**
 * The one error every backend throws for a bad option when it is created: an
 * `MmapError` with `EINVAL`, reported as `mmap` (creating a backend is its
 * first map). `backend` names the package, so the message says whose option.
 * Backends never throw `RangeError` or `TypeError` for options: a caller
 * catches one type and branches on `code`.
 */
export function invalidOption(backend: string, detail: string): MmapError {
  return new MmapError({ code: "EINVAL", syscall: "mmap", detail: `${backend}: ${detail}` });
}

/**
 * Thrown by every backend that refuses a shared `WebAssembly.Memory` (one whose
 * tables are not synchronised, `capabilities.threadSafe` false): an
 * `MmapError` with `ENOTSUP`, reported as `mmap`. One type everywhere, so a
 * caller tells "not on shared memory" from other refusals with `instanceof`.
 */
export class SharedMemoryError extends MmapError {
  /** The backend that refused. */
  readonly backend: string;

  constructor(backend: string, reason: string) {
    super({
      code: "ENOTSUP",
      syscall: "mmap",
      detail: `${backend} refuses a shared WebAssembly.Memory: ${reason}`,
    });
    this.name = "SharedMemoryError";
    this.backend = backend;
  }
}
