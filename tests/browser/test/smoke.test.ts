import { expect, it } from "vitest";

it("runs in an isolated Chromium page", () => {
  expect(navigator.userAgent).toContain("Chrome");
  expect(crossOriginIsolated).toBe(true);
  expect(typeof SharedArrayBuffer).toBe("function");
});
