import { currentBuffer, MmapAnnotation } from "@osal/core";
import { fail } from "./decode.js";

/** Linux's `ANON_VMA_NAME_MAX_LEN`: a name of 80 bytes or more (with its NUL) is `EINVAL`. */
const MAX_NAME_BYTES = 80;

/**
 * The annotation a guest's `prctl(PR_SET_VMA, PR_SET_VMA_ANON_NAME, ..., name)`
 * asks for, read from the NUL-terminated string at `pointer`: `space:<x>` and
 * `sidemeta:<x>:<y>` become those annotations (so a runtime names its spaces as
 * osal's TypeScript clients do), any other name `misc:<name>`. As Linux, a name
 * of 80 bytes or more, or with a byte outside printable ASCII or one of
 * `\`, `` ` ``, `$`, `[`, `]`, is `EINVAL`; so is a string outside the memory.
 */
export function readVmaName(
  memory: WebAssembly.Memory | undefined,
  pointer: number,
): MmapAnnotation | undefined {
  if (memory === undefined) {
    throw fail("EINVAL", "prctl", "PR_SET_VMA_ANON_NAME: the guest's memory is not known");
  }
  const bytes = new Uint8Array(currentBuffer(memory));
  let text = "";
  for (let i = 0; ; i++) {
    if (i >= MAX_NAME_BYTES || pointer + i >= bytes.length) {
      throw fail("EINVAL", "prctl", "PR_SET_VMA_ANON_NAME: name of 80 bytes or more");
    }
    const byte = bytes[pointer + i] as number;
    if (byte === 0) break;
    if (byte < 0x20 || byte > 0x7e || "\\`$[]".includes(String.fromCharCode(byte))) {
      throw fail("EINVAL", "prctl", `PR_SET_VMA_ANON_NAME: byte 0x${byte.toString(16)} in name`);
    }
    text += String.fromCharCode(byte);
  }
  const [kind, first, second, ...rest] = text.split(":");
  if (kind === "space" && first !== undefined && second === undefined && first !== "") {
    return MmapAnnotation.space(first);
  }
  if (kind === "sidemeta" && first && second && rest.length === 0) {
    return MmapAnnotation.sidemeta(first, second);
  }
  return MmapAnnotation.misc(text);
}
