import { playwright } from "@vitest/browser-playwright";
import { defineProject } from "vitest/config";

/**
 * The tests run in the page's real target: headless Chromium. Debian's
 * (`apt-get install chromium`), or the one `OSAL_CHROMIUM` names; no browser
 * is downloaded.
 */
const executablePath = process.env.OSAL_CHROMIUM ?? "/usr/bin/chromium";

/** Headless, no sandbox (CI runs as root), none of the background connections a closed network refuses. */
const args = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export default defineProject({
  // Pre-bundled up front: discovering it mid-run makes Vite reload the page.
  optimizeDeps: { include: ["@bjorn3/browser_wasi_shim"] },
  test: {
    name: "example-browser-memory-map",
    include: ["test/**/*.test.ts"],
    browser: {
      enabled: true,
      headless: true,
      provider: playwright({ launchOptions: { executablePath, args } }),
      instances: [{ browser: "chromium" }],
    },
  },
});
