import { describe, expect, it } from "vitest";
import {
  DEFAULT_MODEL_RUNS,
  DEFAULT_MODEL_SEED,
  DEFAULT_MODEL_STEPS,
  resolveModelOptions,
} from "../src/index.js";

describe("resolveModelOptions", () => {
  it("uses small defaults when nothing is set", () => {
    expect(resolveModelOptions(undefined, {})).toEqual({
      runs: DEFAULT_MODEL_RUNS,
      steps: DEFAULT_MODEL_STEPS,
      seed: DEFAULT_MODEL_SEED,
      path: undefined,
    });
  });

  it("reads OSAL_MODEL_RUNS, OSAL_MODEL_STEPS and OSAL_MODEL_SEED", () => {
    expect(
      resolveModelOptions(undefined, {
        OSAL_MODEL_RUNS: "2000",
        OSAL_MODEL_STEPS: "100",
        OSAL_MODEL_SEED: "7",
        OSAL_MODEL_PATH: "3:1:0",
      }),
    ).toEqual({ runs: 2000, steps: 100, seed: 7, path: "3:1:0" });
  });

  it("prefers explicit options to the environment", () => {
    expect(resolveModelOptions({ runs: 3 }, { OSAL_MODEL_RUNS: "2000" }).runs).toBe(3);
  });

  it("rejects values that are not non-negative integers", () => {
    expect(() => resolveModelOptions(undefined, { OSAL_MODEL_RUNS: "lots" })).toThrow(RangeError);
    expect(() => resolveModelOptions({ steps: -1 }, {})).toThrow(RangeError);
    expect(() => resolveModelOptions({ seed: 1.5 }, {})).toThrow(RangeError);
  });
});
