/**
 * The index of the first byte where `a` and `b` differ (a missing byte differs
 * from any byte), or -1 when they are equal. Compares 4 bytes at a time where
 * both views are 4-byte aligned: the model checks every mapped byte after every
 * step, megabytes at a time with 1 MiB pages. The one byte comparison of the
 * suite: the model, `expectBytes` and `diffSnapshots` all report its answer.
 */
export function firstDifference(a: Uint8Array, b: Uint8Array): number {
  const common = Math.min(a.length, b.length);
  let i = 0;
  if (a.byteOffset % 4 === 0 && b.byteOffset % 4 === 0) {
    const words = common >>> 2;
    const wa = new Uint32Array(a.buffer, a.byteOffset, words);
    const wb = new Uint32Array(b.buffer, b.byteOffset, words);
    let w = 0;
    while (w < words && wa[w] === wb[w]) w++;
    i = w * 4;
  }
  for (; i < common; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : common;
}
