import { invalidOption as coreInvalidOption, MmapError, SharedMemoryError } from "@osal/core";

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

/** An `EINVAL` error about an option: core's `invalidOption`, named for this backend. */
export function invalidOption(detail: string): MmapError {
  return coreInvalidOption("wasm-posix-memalign", detail);
}

/**
 * The `SharedMemoryError` (core's one type, `ENOTSUP`) for a shared memory this
 * backend's allocator cannot serve: its block table and that allocator are
 * unsynchronised. Use one backend per unshared memory.
 */
export function sharedMemoryRefused(): SharedMemoryError {
  return new SharedMemoryError(
    "wasm-posix-memalign",
    "its allocator does not declare threadSafe (the bundled one never does; a guest's only when built with threads and declared so); use one backend per unshared memory",
  );
}

/**
 * The `MmapError` (`ENOTSUP`) for a memory64 memory (a maximum above 4 GiB)
 * asked of the bundled allocator: it is a wasm32 module, which cannot import a
 * memory64 memory nor address past 4 GiB. A guest allocator built for wasm64
 * can (`guestAllocator` over its exports, e.g. `@osal/guests/wasm64/allocator64.wasm`).
 */
export function bundledMemory64Refused(maximumBytes: number): MmapError {
  return new MmapError({
    code: "ENOTSUP",
    syscall: "mmap",
    detail: `wasm-posix-memalign: maximumBytes ${maximumBytes} needs a memory64 memory, which the bundled allocator (a wasm32 module) cannot address; pass allocator: guestAllocator({ exports }) over an allocator built for wasm64 (e.g. @osal/guests/wasm64/allocator64.wasm)`,
  });
}
