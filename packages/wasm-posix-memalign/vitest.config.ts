import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "wasm-posix-memalign",
    include: ["test/**/*.test.ts"],
    benchmark: { include: ["bench/**/*.bench.ts"] },
  },
});
