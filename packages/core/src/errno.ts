/**
 * The Linux errno numbers osal uses, by Node-style code. Numbers are Linux's
 * (x86_64, aarch64 and wasm32 agree), so a guest receiving `-errno` sees what its
 * libc expects.
 */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EINTR: 4,
  EIO: 5,
  EBADF: 9,
  EAGAIN: 11,
  ENOMEM: 12,
  EACCES: 13,
  EFAULT: 14,
  EBUSY: 16,
  EEXIST: 17,
  ENODEV: 19,
  EINVAL: 22,
  ENOSYS: 38,
  ENOTSUP: 95,
} as const;

/** A Node-style error code osal can report, such as `"ENOMEM"`. */
export type ErrnoCode = keyof typeof Errno;

/** Short descriptions, as `strerror` gives them, for error messages. */
export const errnoDescriptions: Readonly<Record<ErrnoCode, string>> = {
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  EINTR: "interrupted system call",
  EIO: "input/output error",
  EBADF: "bad file descriptor",
  EAGAIN: "resource temporarily unavailable",
  ENOMEM: "cannot allocate memory",
  EACCES: "permission denied",
  EFAULT: "bad address",
  EBUSY: "device or resource busy",
  EEXIST: "file exists",
  ENODEV: "no such device",
  EINVAL: "invalid argument",
  ENOSYS: "function not implemented",
  ENOTSUP: "operation not supported",
};

/** True when `code` is one of the codes osal knows. */
export function isErrnoCode(code: unknown): code is ErrnoCode {
  return typeof code === "string" && Object.hasOwn(Errno, code);
}

/** The code for a Linux errno number, or `undefined` for one osal does not use. */
export function errnoCodeOf(errno: number): ErrnoCode | undefined {
  for (const [code, value] of Object.entries(Errno)) {
    if (value === errno) return code as ErrnoCode;
  }
  return undefined;
}
