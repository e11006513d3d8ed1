import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "example-gc-allocator", include: ["test/**/*.test.ts"] },
});
