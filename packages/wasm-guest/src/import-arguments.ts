import { Errno } from "@osal/core";

/**
 * The JS type check of the `osal` imports' arguments. A wasm guest always
 * passes i32 values as integer numbers and i64 values as `BigInt`s, but the
 * imports are plain JS functions a host may call too: anything else (a string,
 * `undefined`, a fraction, an object whose `valueOf` would run code) is
 * refused before it is coerced, so the call returns `-EINVAL` and changes
 * nothing instead of being read as some other address.
 */

/** True for what wasm passes as an i32 (read either signed or unsigned). */
export function isI32(value: unknown): value is number {
  return (
    typeof value === "number" && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 32
  );
}

/** True for what wasm passes as an i64: a `BigInt` in the signed or unsigned 64-bit range. */
export function isI64(value: unknown): value is bigint {
  return typeof value === "bigint" && value >= -(2n ** 63n) && value < 2n ** 64n;
}

/** The wasm signature of each known import: `i` an i32, `I` an i64 (SPEC section 5). */
const SIGNATURES: Readonly<Record<string, string>> = {
  mmap: "iiiiiI",
  munmap: "ii",
  mremap: "iiiii",
  mprotect: "iii",
  madvise: "iii",
  page_size: "",
  set_vma_name: "iii",
};

/**
 * `imports` with every function checking its arguments first: each must be what
 * wasm passes in that position (an i32 number, an i64 `BigInt`; for an import
 * without a known signature, either), else the call returns `-EINVAL` without
 * reaching the backend.
 */
export function checkedImports<T extends object>(imports: T): T {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(imports)) {
    if (typeof value !== "function") {
      out[name] = value;
      continue;
    }
    const fn = value as (...args: unknown[]) => unknown;
    const signature = SIGNATURES[name];
    const fits = (arg: unknown, index: number) => {
      const kind = signature?.[index];
      return kind === "i" ? isI32(arg) : kind === "I" ? isI64(arg) : isI32(arg) || isI64(arg);
    };
    out[name] = (...args: unknown[]) => (args.every(fits) ? fn(...args) : -Errno.EINVAL);
  }
  return out as T;
}
