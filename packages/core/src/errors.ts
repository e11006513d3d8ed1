import { formatAnnotation, type MmapAnnotation } from "./annotation.js";
import { Errno, type ErrnoCode, errnoDescriptions } from "./errno.js";

/**
 * The operations osal reports in errors and counts in stats. The first five are the
 * system calls counted in stats; `prctl` is `setAnnotation` (`PR_SET_VMA_ANON_NAME`,
 * not counted); `read`, `write` and `fill` are accesses through the memory access
 * interface; the rest are process calls.
 */
export type OSCall =
  | "mmap"
  | "munmap"
  | "mremap"
  | "mprotect"
  | "madvise"
  | "prctl"
  | "read"
  | "write"
  | "fill"
  | "sched_setaffinity"
  | "getProcessMemoryMaps";

/** What an {@link OSError} is built from. */
export interface OSErrorInit {
  /** Node-style code, such as `"ENOMEM"`. */
  readonly code: ErrnoCode;
  /** The operation that failed. */
  readonly syscall: OSCall;
  /** Extra words for the message, after the standard description. */
  readonly detail?: string;
  /** The underlying error, if any. */
  readonly cause?: unknown;
}

/**
 * A failed OS call, shaped like Node's system errors: `code` (`"ENOMEM"`),
 * `errno` (the positive Linux number, 12) and `syscall` (`"mmap"`). Catch it with
 * `instanceof OSError` and branch on `code`.
 */
export class OSError extends Error {
  /** Node-style code, such as `"ENOMEM"`. */
  readonly code: ErrnoCode;
  /** The Linux errno number for `code` (positive). */
  readonly errno: number;
  /** The operation that failed. */
  readonly syscall: OSCall;

  constructor(init: OSErrorInit) {
    const base = `${init.code}: ${errnoDescriptions[init.code]}, ${init.syscall}`;
    super(init.detail ? `${base} (${init.detail})` : base, { cause: init.cause });
    this.name = "OSError";
    this.code = init.code;
    this.errno = Errno[init.code];
    this.syscall = init.syscall;
  }
}

/** What an {@link MmapError} is built from. */
export interface MmapErrorInit extends OSErrorInit {
  /** Start of the range the call was about. */
  readonly address?: number;
  /** Length in bytes of that range. */
  readonly size?: number;
  /** Annotation of the mapping the call would have made. */
  readonly annotation?: MmapAnnotation;
}

/**
 * A failed memory call. Besides the {@link OSError} fields it carries the range
 * (`address`, `size`) and the `annotation` of the mapping involved, so a runtime's
 * out-of-memory report can say which space failed. Whatever the code, the call
 * changed nothing: every existing mapping and its bytes are as they were.
 */
export class MmapError extends OSError {
  /** Start of the range the call was about, when there is one. */
  readonly address: number | undefined;
  /** Length in bytes of that range, when there is one. */
  readonly size: number | undefined;
  /** Annotation of the mapping involved, when there is one. */
  readonly annotation: MmapAnnotation | undefined;
  /** The extra words the thrower gave (`init.detail`), without the range. */
  readonly detail: string | undefined;

  constructor(init: MmapErrorInit) {
    super({ ...init, detail: describeRange(init) });
    this.name = "MmapError";
    // A bad argument of another type is described in the message, never kept as a number.
    this.address = typeof init.address === "number" ? init.address : undefined;
    this.size = typeof init.size === "number" ? init.size : undefined;
    this.annotation = init.annotation;
    this.detail = init.detail;
  }
}

/**
 * `error` as the failure of `call`: a plain {@link MmapError} raised by a shared
 * helper for another call (placement says `mmap`, but it may be working for
 * `mremap`) is rebuilt with `syscall: call` and the same code, range,
 * annotation and detail; anything else is returned unchanged.
 */
export function reportedAs(error: unknown, call: OSCall): unknown {
  if (!(error instanceof MmapError) || error.constructor !== MmapError || error.syscall === call) {
    return error;
  }
  return new MmapError({
    code: error.code,
    syscall: call,
    address: error.address,
    size: error.size,
    annotation: error.annotation,
    detail: error.detail,
    cause: error.cause,
  });
}

/**
 * An access to memory that is not mapped, or mapped `NoAccess`: the segmentation
 * fault of a real process. `code` is `EFAULT`; `faultAddress` is the first byte
 * that could not be accessed.
 */
export class MemoryFault extends MmapError {
  /** The first address the access could not touch. */
  readonly faultAddress: number;
  /** Why: nothing is mapped there, or the mapping forbids access. */
  readonly reason: "unmapped" | "protection";

  constructor(init: {
    syscall: "read" | "write" | "fill";
    address: number;
    size: number;
    faultAddress: number;
    reason: "unmapped" | "protection";
  }) {
    super({
      code: "EFAULT",
      syscall: init.syscall,
      address: init.address,
      size: init.size,
      detail: `${init.reason === "unmapped" ? "unmapped" : "no access to"} address ${hex(init.faultAddress)}`,
    });
    this.name = "MemoryFault";
    this.faultAddress = init.faultAddress;
    this.reason = init.reason;
  }
}

/** True when `error` is an {@link OSError} (or subclass) with the given code. */
export function hasErrorCode(error: unknown, code: ErrnoCode): boolean {
  return error instanceof OSError && error.code === code;
}

/** `0x`-prefixed lowercase hex, the way addresses are shown in messages. */
export function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

function describeRange(init: MmapErrorInit): string | undefined {
  const parts: string[] = [];
  if (init.detail) parts.push(init.detail);
  if (init.address !== undefined && init.size !== undefined) {
    parts.push(`range ${formatNumber(init.address)}+${formatNumber(init.size)}`);
  } else if (init.address !== undefined) {
    parts.push(`address ${formatNumber(init.address)}`);
  } else if (init.size !== undefined) {
    parts.push(`size ${formatNumber(init.size)}`);
  }
  if (init.annotation) parts.push(formatAnnotation(init.annotation));
  return parts.length > 0 ? parts.join("; ") : undefined;
}

function formatNumber(value: unknown): string {
  if (typeof value === "number") {
    return Number.isSafeInteger(value) && value >= 0 ? hex(value) : String(value);
  }
  if (typeof value === "bigint") return `${value}n`;
  if (typeof value === "string") return JSON.stringify(value);
  return `(${value === null ? "null" : typeof value})`;
}
