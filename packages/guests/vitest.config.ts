import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "guests", include: ["test/**/*.test.ts"] },
});
