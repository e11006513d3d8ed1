import { MmapError, OSError } from "@osal/core";

/**
 * Thrown by `createWasmPosixMemalign` (and the allocator constructors) when given a
 * shared `WebAssembly.Memory`. The backend's block table and the allocators it
 * drives are unsynchronised (`capabilities.threadSafe` is false), so instead of
 * racing silently it refuses: use one backend per unshared memory. `code` is
 * `ENOTSUP`.
 */
export class SharedMemoryError extends OSError {
  constructor() {
    super({
      code: "ENOTSUP",
      syscall: "mmap",
      detail:
        "a shared WebAssembly.Memory is refused: wasm-posix-memalign is not thread-safe " +
        "(its block table and allocator are unsynchronised); use one backend per unshared memory",
    });
    this.name = "SharedMemoryError";
  }
}

/**
 * Thrown when an allocator breaks its contract: it returned an address that is
 * misaligned, outside its memory, or overlapping a block it already handed out.
 * The backend records nothing for such a block (and does not free it, since
 * freeing memory it does not own could corrupt the allocator further).
 */
export class AllocatorContractError extends Error {
  /** The address the allocator returned. */
  readonly address: number;

  constructor(address: number, detail: string) {
    super(`aligned allocator returned ${address}: ${detail}`);
    this.name = "AllocatorContractError";
    this.address = address;
  }
}

/** An `EINVAL` error about an option, the way osal backends report bad configuration. */
export function invalidOption(detail: string): MmapError {
  return new MmapError({ code: "EINVAL", syscall: "mmap", detail });
}
