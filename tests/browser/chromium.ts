import { existsSync } from "node:fs";

/**
 * Where Debian's Chromium is (`apt-get install chromium`, as .ci/run does), or
 * `OSAL_CHROMIUM` when set. The browser tests never download a browser.
 */
export function chromiumPath(): string {
  return process.env.OSAL_CHROMIUM ?? "/usr/bin/chromium";
}

/** Whether {@link chromiumPath} exists on this machine. */
export function hasChromium(): boolean {
  return existsSync(chromiumPath());
}

/**
 * The flags Chromium runs with here: headless, no sandbox (CI runs as root),
 * and none of the background connections a closed network refuses.
 */
export const chromiumArgs = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
