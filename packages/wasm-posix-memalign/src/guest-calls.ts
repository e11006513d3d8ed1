import { AllocatorContractError } from "./errors.js";

/** A guest allocator's `aligned_alloc`, `free` and `sbrk`, in JS numbers. */
export interface GuestCalls {
  alignedAlloc(align: number, size: number): number;
  free(address: number): void;
  /** `sbrk(0)`, when the guest exports `sbrk`. */
  readonly programBreak?: () => number;
}

/** An exported wasm function, its signature not yet known. */
export type Exported = (...args: never[]) => unknown;

/**
 * The guest's exports as {@link GuestCalls}. A wasm32 guest's `size_t` and
 * pointers are i32, JS numbers (read unsigned, `>>> 0`); a wasm64 guest's
 * (`memory64`, clang `--target=wasm64`) are i64, which the JS API passes as
 * BigInt both ways: arguments go in as BigInt and addresses come back as
 * numbers, read unsigned and checked below 2^53 (an address a JS number
 * cannot hold exactly is an {@link AllocatorContractError}).
 */
export function guestCalls(
  alloc: Exported,
  free: Exported,
  sbrk: Exported | undefined,
  memory64: boolean,
): GuestCalls {
  if (!memory64) {
    const alloc32 = alloc as (align: number, size: number) => number;
    const free32 = free as (address: number) => void;
    const sbrk32 = sbrk as ((increment: number) => number) | undefined;
    return {
      alignedAlloc: (align, size) => alloc32(align, size) >>> 0,
      free: (address) => free32(address),
      ...(sbrk32 === undefined ? {} : { programBreak: () => sbrk32(0) >>> 0 }),
    };
  }
  const alloc64 = alloc as (align: bigint, size: bigint) => unknown;
  const free64 = free as (address: bigint) => void;
  const sbrk64 = sbrk as ((increment: bigint) => unknown) | undefined;
  return {
    alignedAlloc: (align, size) => address64(alloc64(BigInt(align), BigInt(size))),
    free: (address) => free64(BigInt(address)),
    ...(sbrk64 === undefined ? {} : { programBreak: () => address64(sbrk64(0n)) }),
  };
}

const ADDRESS_LIMIT = 2n ** 53n;

/** An i64 address from a wasm64 guest as a JS number: unsigned, below 2^53. */
function address64(value: unknown): number {
  if (typeof value !== "bigint") {
    throw new AllocatorContractError(
      Number(value),
      "a wasm64 guest returns i64 (BigInt) addresses",
    );
  }
  const unsigned = BigInt.asUintN(64, value);
  if (unsigned >= ADDRESS_LIMIT) {
    throw new AllocatorContractError(Number(unsigned), "above 2^53, where a JS number is inexact");
  }
  return Number(unsigned);
}
