import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "ghc-megablock",
    include: ["test/**/*.test.ts"],
    benchmark: { include: ["bench/**/*.bench.ts"] },
  },
});
