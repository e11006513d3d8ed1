/**
 * "Nice" axis ticks: 1, 2 or 5 times a power of ten of a unit, so labels read as
 * round numbers (`0`, `50`, `100` steps; `0 B`, `64 MiB`, `128 MiB`).
 */

/** Ticks from 0 up to at least `max`, about `count` of them, each a round number. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const rough = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= rough) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = 0; v < max + step; v += step) {
    ticks.push(v);
    if (v >= max) break;
  }
  return ticks;
}

/**
 * Ticks for a byte axis: round numbers of the largest binary unit (B, KiB, MiB,
 * GiB) that `max` reaches, so every label is a whole number of that unit.
 */
export function byteTicks(max: number, count = 5): number[] {
  const unit = [1024 ** 3, 1024 ** 2, 1024, 1].find((u) => max >= u) ?? 1;
  return niceTicks(max / unit, count).map((t) => t * unit);
}
