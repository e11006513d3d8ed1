import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "example-backend", include: ["test/**/*.test.ts"] },
});
