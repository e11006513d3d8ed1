import { defineConfig } from "vitest/config";

// One vitest project per package; `npx vitest run` from the root runs them all.
// In CI a JSON report is written too, so .ci/run can print the closing counts.
export default defineConfig({
  test: {
    projects: ["packages/*"],
    reporters: process.env.CI
      ? ["default", ["json", { outputFile: "test-results.json" }]]
      : ["default"],
  },
});
