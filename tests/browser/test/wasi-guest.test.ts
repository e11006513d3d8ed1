import { ConsoleStdout, File, OpenFile, WASI } from "@bjorn3/browser_wasi_shim";
import sgenUrl from "@osal/guests/wasi/sgen-osal.wasm?url";
import zendUrl from "@osal/guests/wasi/zend-osal.wasm?url";
import { runWasiGuest } from "@osal/wasm-guest";
import { describe, expect, it } from "vitest";
import { commands } from "vitest/browser";
import { guestBackend, wasiBackendNames } from "../support/guest-backends.js";

// Two of the committed C guests (clang + wasi-libc), fetched by the page like
// any asset: zend (PHP's chunks, huge blocks and mremap) and sgen (Mono's
// sections and the zero proof). Both complete on every wasm backend.
const guestUrls = { zend: zendUrl, sgen: sgenUrl } as const;
const steps = 600;

async function runInChromium(workload: keyof typeof guestUrls, backend: string) {
  const module = await WebAssembly.compileStreaming(fetch(guestUrls[workload]));
  const args = [`steps=${steps}`, ...guestBackend(backend).args];
  // stdout and stderr are captured by runWasiGuest; these fds are never written.
  const wasi = new WASI(
    ["guest", ...args],
    [],
    [
      new OpenFile(new File([])),
      ConsoleStdout.lineBuffered(() => {}),
      ConsoleStdout.lineBuffered(() => {}),
    ],
    { debug: false },
  );
  const run = await runWasiGuest({ module, wasi, backend: guestBackend(backend).factory });
  return { run, args };
}

describe.each(wasiBackendNames)("a C guest under @bjorn3/browser_wasi_shim on %s", (backend) => {
  it.each(
    Object.keys(guestUrls) as (keyof typeof guestUrls)[],
  )("%s completes, and reports exactly what the same run reports in Node", async (workload) => {
    const { run, args } = await runInChromium(workload, backend);
    expect(run.error).toBeUndefined();
    expect(run.exitCode).toBe(0);
    const result = run.result;
    expect(result?.status).toBe("ok");
    expect(result?.completedSteps).toBe(steps);
    expect(result?.failedCalls.mmap).toBe(0);
    expect(result?.failedCalls.munmap).toBe(0);
    expect(result?.calls.mmap).toBeGreaterThan(0);
    // The guest freed what it held: the backend agrees.
    expect(run.os?.stats().mappedBytes).toBe(result?.liveBytes);
    const node = await commands.runGuestInNode(workload, backend, args);
    expect(node.exitCode).toBe(0);
    expect(result).toEqual(node.result);
  });
});
