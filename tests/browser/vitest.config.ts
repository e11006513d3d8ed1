import { playwright } from "@vitest/browser-playwright";
import { defineProject } from "vitest/config";
import { chromiumArgs, chromiumPath } from "./chromium.js";
import { runGuestInNode } from "./node-commands.js";

// Cross-origin isolation, so the page (and its workers) may share a
// WebAssembly.Memory: SharedArrayBuffer exists only in isolated documents.
const isolationHeaders = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
};

export default defineProject({
  server: { headers: isolationHeaders },
  // Pre-bundled up front: discovering them mid-run makes Vite reload the page.
  optimizeDeps: { include: ["fast-check", "@bjorn3/browser_wasi_shim"] },
  test: {
    name: "browser",
    include: ["test/**/*.test.ts"],
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({
        launchOptions: { executablePath: chromiumPath(), args: chromiumArgs },
      }),
      instances: [{ browser: "chromium" }],
      commands: { runGuestInNode },
      // A failure is reported in text; no screenshot files in the work tree.
      screenshotFailures: false,
    },
  },
});
