import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "mock-unix", include: ["test/**/*.test.ts"] },
});
