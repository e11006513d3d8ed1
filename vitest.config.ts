import { defineConfig } from "vitest/config";

// One vitest project per package; `npx vitest run` from the root runs them all.
export default defineConfig({
  test: {
    projects: ["packages/*"],
  },
});
