import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "wasm-page-manager",
    include: ["test/**/*.test.ts"],
    benchmark: { include: ["bench/**/*.bench.ts"] },
  },
});
