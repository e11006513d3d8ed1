import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "workloads", include: ["test/**/*.test.ts"] },
});
