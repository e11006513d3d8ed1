import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "node-posix", include: ["test/**/*.test.ts"] },
});
