/** The host's `atob` (Node ≥ 16, browsers, workers, Deno, Bun). */
type Atob = (text: string) => string;

/**
 * Decodes standard base64 into bytes with the platform's `atob`, which every
 * host this package runs on has (Node ≥ 16 and browsers), so the embedded wasm
 * loads without `Buffer`, `fs` or a decoder of our own. Throws the host's
 * `DOMException` (`InvalidCharacterError`) on text that is not base64, and a
 * `TypeError` on a host without `atob`.
 */
export function decodeBase64(text: string): Uint8Array {
  const atob = (globalThis as { atob?: Atob }).atob;
  if (typeof atob !== "function") {
    throw new TypeError(
      "this host has no atob: @osal/wasm-posix-memalign needs Node >= 16 or a browser",
    );
  }
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let at = 0; at < binary.length; at++) bytes[at] = binary.charCodeAt(at);
  return bytes;
}
