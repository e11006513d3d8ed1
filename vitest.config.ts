import { defineConfig } from "vitest/config";
import { chromiumPath, hasChromium } from "./tests/browser/chromium.js";

// One vitest project per package and example; `npx vitest run` from the root
// runs them all. The browser projects run in Debian's Chromium (never a
// downloaded one): without it they are left out with a notice, except in CI,
// where a missing browser is an error rather than a silent skip.
const browserProjects = ["tests/browser", "examples/browser-memory-map"];

function projects(): string[] {
  const nodeProjects = ["packages/*", "examples/gc-allocator", "examples/example-backend"];
  if (hasChromium()) return [...nodeProjects, ...browserProjects];
  if (process.env.CI) {
    throw new Error(
      `CI: the browser tests need Chromium at ${chromiumPath()} (apt-get install chromium, or set OSAL_CHROMIUM)`,
    );
  }
  console.warn(
    `osal: no Chromium at ${chromiumPath()}: the browser projects (${browserProjects.join(", ")}) are not run. ` +
      "Install Debian's chromium (or set OSAL_CHROMIUM) to run them.",
  );
  return nodeProjects;
}

// In CI a JSON report is written too, so .ci/run can print the closing counts.
export default defineConfig({
  test: {
    projects: projects(),
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: "test-results.json" }]]
      : ["default"],
  },
});
