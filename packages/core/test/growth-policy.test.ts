import { describe, expect, it } from "vitest";
import {
  alignUp,
  DEFAULT_GROWTH,
  EXACT_GROWTH,
  GiB,
  growLinearMemory,
  growthStep,
  growthTarget,
  type LinearMemory,
  MiB,
  resolveGrowthPolicy,
  WASM_PAGE_SIZE,
} from "../src/index.js";

const P = WASM_PAGE_SIZE;

describe("growthTarget", () => {
  it("is exact growth under EXACT_GROWTH", () => {
    expect(growthTarget(EXACT_GROWTH, 10 * P, 13 * P + 1, 4 * GiB, P)).toBe(14 * P);
  });

  it("reaches what is needed, at most one step past it, on the unit, never past the limit", () => {
    let seed = 12345;
    const next = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const policies = [
      DEFAULT_GROWTH,
      { ratio: 0.125, minimumStep: MiB, maximumStep: 64 * MiB },
      { ratio: 0, minimumStep: 2 * MiB, maximumStep: 2 * MiB, doublingFrom: Infinity },
      { ratio: 0, minimumStep: 0, maximumStep: 0, doublingFrom: 64 * MiB },
    ];
    for (let i = 0; i < 5000; i++) {
      const policy = policies[i % policies.length]!;
      const unit = [P, MiB][next(2)]!;
      const limit = (1 + next(4096)) * MiB;
      const current = next(limit / P + 1) * P;
      const needed = current + 1 + next(limit - current + 1);
      const target = growthTarget(policy, current, needed, limit, unit);
      const step = growthStep(policy, current);
      expect(target % unit).toBe(0);
      expect(target).toBeGreaterThanOrEqual(needed);
      expect(target).toBeLessThanOrEqual(
        Math.max(alignUp(needed, unit), alignUp(current + step, unit)),
      );
      if (needed <= limit) expect(target).toBeLessThanOrEqual(limit);
    }
  });
});

describe("growthStep", () => {
  it("is the clamped ratio below doublingFrom and the whole size from there on", () => {
    expect(growthStep(DEFAULT_GROWTH, 0)).toBe(MiB);
    expect(growthStep(DEFAULT_GROWTH, 256 * MiB)).toBe(32 * MiB);
    expect(growthStep(DEFAULT_GROWTH, 512 * MiB - P)).toBe(64 * MiB - P / 8);
    expect(growthStep(DEFAULT_GROWTH, 512 * MiB)).toBe(512 * MiB);
    expect(growthStep(DEFAULT_GROWTH, 3 * GiB)).toBe(3 * GiB);
    expect(growthStep(EXACT_GROWTH, 3 * GiB)).toBe(0);
    // From 512 MiB the target doubles, clipped at the limit.
    expect(growthTarget(DEFAULT_GROWTH, 3 * GiB, 3 * GiB + 1, 4 * GiB, P)).toBe(4 * GiB);
    expect(growthTarget(DEFAULT_GROWTH, GiB, GiB + 1, 4 * GiB, P)).toBe(2 * GiB);
  });
});

describe("growLinearMemory", () => {
  it("grows one step, or exactly when the step is refused, or throws having grown nothing", () => {
    let size = 0;
    let most = 1000;
    const memory: LinearMemory = {
      get buffer() {
        return new ArrayBuffer(size * P);
      },
      grow(delta: number) {
        if (size + delta > most) throw new RangeError("too big");
        const old = size;
        size += delta;
        return old;
      },
    };
    const policy = { ratio: 0, minimumStep: 16 * P, maximumStep: 16 * P };
    expect(growLinearMemory(memory, policy, P, 4 * GiB)).toEqual({ oldBytes: 0, endBytes: 16 * P });
    expect(growLinearMemory(memory, policy, 3 * P, 4 * GiB)).toBeUndefined();
    most = 20;
    expect(growLinearMemory(memory, policy, 18 * P, 4 * GiB)).toEqual({
      oldBytes: 16 * P,
      endBytes: 18 * P,
    });
    expect(() => growLinearMemory(memory, policy, 30 * P, 4 * GiB)).toThrow("too big");
    expect(size).toBe(18);
  });
});

describe("resolveGrowthPolicy", () => {
  it("gives the default, exact growth, or a completed policy, and EINVAL on a bad one", () => {
    expect(resolveGrowthPolicy(undefined)).toBe(DEFAULT_GROWTH);
    expect(resolveGrowthPolicy("exact")).toBe(EXACT_GROWTH);
    expect(resolveGrowthPolicy({ ratio: 0.25 })).toEqual({ ...DEFAULT_GROWTH, ratio: 0.25 });
    // A caller's own cap holds: no doubling past 512 MiB unless asked for.
    expect(resolveGrowthPolicy({ maximumStep: 0 })).toEqual({
      ...DEFAULT_GROWTH,
      minimumStep: 0,
      maximumStep: 0,
      doublingFrom: Infinity,
    });
    expect(resolveGrowthPolicy({ doublingFrom: GiB }).doublingFrom).toBe(GiB);
    for (const bad of [
      { ratio: 5 },
      { minimumStep: 3 },
      { minimumStep: 2 * MiB, maximumStep: MiB },
      { doublingFrom: 3 },
      { doublingFrom: -P },
      7,
    ]) {
      expect(() => resolveGrowthPolicy(bad as never)).toThrow(
        expect.objectContaining({ code: "EINVAL" }),
      );
    }
  });
});
