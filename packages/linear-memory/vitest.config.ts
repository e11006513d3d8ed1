import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "linear-memory", include: ["test/**/*.test.ts"] },
});
