import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "wasm-guest", include: ["test/**/*.test.ts"] },
});
