/**
 * The JS type check of the `osal` imports' arguments. A wasm guest always
 * passes i32 values as integer numbers and i64 values as `BigInt`s, but the
 * imports are plain JS functions a host may call too: anything else (a string,
 * `undefined`, a fraction, an object whose `valueOf` would run code) is
 * refused before it is coerced, so the call returns `-EINVAL` and changes
 * nothing instead of being read as some other address. Each import checks its
 * own arguments with these (fixed arity, no rest arguments: the check costs no
 * allocation), and a call with more arguments than its wasm signature is
 * `-EINVAL` too.
 */

/** True for what wasm passes as an i32 (read either signed or unsigned). */
export function isI32(value: unknown): value is number {
  return (
    typeof value === "number" && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 32
  );
}

/** The i64 range's bounds, made once (a `BigInt` power would allocate on every call). */
const I64_MIN = -(2n ** 63n);
const U64_END = 2n ** 64n;

/** True for what wasm passes as an i64: a `BigInt` in the signed or unsigned 64-bit range. */
export function isI64(value: unknown): value is bigint {
  return typeof value === "bigint" && value >= I64_MIN && value < U64_END;
}
