import { formatAnnotation, MmapAnnotation, type MremapOptions } from "@osal/core";

/**
 * The non-numeric arguments the model's commands draw: annotations, `mremap`
 * options, byte arrays and fill values, in every form a caller may pass them
 * (frozen or not, a fresh object or one the caller changes right after the call,
 * a view into a larger buffer, a subclass) and, now and then, a wrong one that
 * must fail with `EINVAL` and change nothing. Each is chosen by a small number,
 * so a failing sequence shrinks to a readable one.
 */

/** How many annotation forms {@link drawAnnotation} knows. */
export const ANNOTATION_FORMS = 12;

/** An annotation argument as a command passes it. */
export interface DrawnAnnotation {
  /** What the call gets. */
  readonly value: unknown;
  /** What the model expects the mapping to be listed with (`formatAnnotation`), when valid. */
  readonly display: string | undefined;
  /** False for a value the call must refuse with `EINVAL`. */
  readonly valid: boolean;
  /** Changes the caller's object after the call (the backend must have kept its own copy). */
  readonly scribble: (() => void) | undefined;
  /** For the call log. */
  readonly label: string;
}

/**
 * Annotation form `form` (modulo {@link ANNOTATION_FORMS}); `serial` keeps
 * names apart so mappings from different calls do not always merge.
 */
export function drawAnnotation(form: number, serial: number): DrawnAnnotation {
  const ok = (value: MmapAnnotation | undefined, scribble?: () => void): DrawnAnnotation => ({
    value,
    display: value ? formatAnnotation(value) : undefined,
    valid: true,
    scribble,
    label: value ? formatAnnotation(value) : "-",
  });
  const kind = form % ANNOTATION_FORMS;
  switch (kind < 10 ? kind % 6 : kind) {
    case 0:
      return ok(undefined);
    case 1:
      return ok(MmapAnnotation.space("immix"));
    case 2: {
      const literal = { kind: "sidemeta" as const, space: "immix", meta: "marks" };
      return ok(literal, () => {
        (literal as { meta: string }).meta = "scribbled";
      });
    }
    case 3:
      return ok(MmapAnnotation.test("model.ts", serial % 4));
    case 4: {
      const literal = { kind: "misc" as const, name: `m${serial}` };
      return ok(literal, () => {
        (literal as { name: string }).name = "scribbled";
      });
    }
    case 5:
      return ok(MmapAnnotation.misc(`m${serial}`));
    case 10:
      return { value: null, display: undefined, valid: false, scribble: undefined, label: "null" };
    default:
      return {
        value: { kind: "space" },
        display: undefined,
        valid: false,
        scribble: undefined,
        label: "{kind:space}",
      };
  }
}

/** How many option forms {@link drawRemapOptions} knows. */
export const OPTION_FORMS = 8;

/** `mremap` options as a command passes them. */
export interface DrawnOptions {
  readonly value: unknown;
  /** The `mayMove` the backend should act on. */
  readonly mayMove: boolean;
  /** False for options the call must refuse with `EINVAL`. */
  readonly valid: boolean;
  readonly label: string;
}

/** Options form `form` (modulo {@link OPTION_FORMS}) meaning `mayMove`. */
export function drawRemapOptions(form: number, mayMove: boolean): DrawnOptions {
  const ok = (value: MremapOptions | undefined, label: string): DrawnOptions => ({
    value,
    mayMove,
    valid: true,
    label,
  });
  const kind = form % OPTION_FORMS;
  switch (kind < 6 ? kind % 4 : kind) {
    case 0:
      return ok({ mayMove }, `{mayMove:${mayMove}}`);
    case 1:
      return mayMove ? ok(Object.freeze({ mayMove }), "frozen {mayMove:true}") : ok(undefined, "-");
    case 2:
      return ok({ mayMove, dontUnmap: false }, `{mayMove:${mayMove},dontUnmap:false}`);
    case 3:
      return mayMove
        ? ok({ mayMove, newAddress: undefined }, "{mayMove:true,newAddress:undefined}")
        : ok({}, "{}");
    case 6:
      return {
        value: { mayMove: mayMove ? "yes" : 0 },
        mayMove,
        valid: false,
        label: "bad mayMove",
      };
    default:
      return { value: mayMove ? [true] : null, mayMove, valid: false, label: "not an object" };
  }
}

/** How many byte-array forms {@link drawBytes} knows. */
export const BYTES_FORMS = 8;

/** A `Uint8Array` subclass, as a runtime's own buffer type may be (Node's `Buffer` is one). */
class OwnBytes extends Uint8Array {}

/** A write's bytes as a command passes them. */
export interface DrawnBytes {
  readonly value: unknown;
  /** The bytes the model writes, when valid. */
  readonly bytes: Uint8Array;
  readonly valid: boolean;
  readonly label: string;
}

/** `bytes` in form `form` (modulo {@link BYTES_FORMS}). */
export function drawBytes(form: number, bytes: Uint8Array): DrawnBytes {
  const ok = (value: Uint8Array, label: string): DrawnBytes => ({
    value,
    bytes,
    valid: true,
    label,
  });
  const kind = form % BYTES_FORMS;
  switch (kind < 6 ? kind % 4 : kind) {
    case 0:
      return ok(bytes, "Uint8Array");
    case 1: {
      // A view at an odd offset into a larger buffer.
      const backing = new Uint8Array(bytes.length + 7).fill(0xcc);
      backing.set(bytes, 3);
      return ok(backing.subarray(3, 3 + bytes.length), "subarray");
    }
    case 2: {
      const own = new OwnBytes(bytes.length);
      own.set(bytes);
      return ok(own, "subclass");
    }
    case 3:
      return ok(bytes, "Uint8Array");
    case 6:
      return { value: [...bytes], bytes, valid: false, label: "plain array" };
    default:
      return {
        value: new Uint16Array(bytes.buffer.slice(0, bytes.length - (bytes.length % 2))),
        bytes,
        valid: false,
        label: "Uint16Array",
      };
  }
}

/** A fill value in form `form`: mostly the byte, now and then a wrong one. */
export function drawFillValue(
  form: number,
  byte: number,
): { value: unknown; valid: boolean; label: string } {
  switch (form % 8) {
    case 6:
      return { value: undefined, valid: false, label: "undefined" };
    case 7:
      return { value: String(byte), valid: false, label: JSON.stringify(String(byte)) };
    default:
      return { value: byte, valid: true, label: String(byte) };
  }
}
