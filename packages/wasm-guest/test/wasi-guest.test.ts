import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type GuestBackendFactory, instantiateWasiGuest, parseGuestResult } from "../src/index.js";
import { runGuest } from "../src/node/index.js";
import { freshPageManager, pageManager } from "./support/backends.js";
import { guestFile } from "./support/guest-files.js";
import { tinyWasi } from "./support/tiny-wasi.js";

describe("instantiateWasiGuest", () => {
  it("runs a guest with a WASI shaped like @bjorn3/browser_wasi_shim, binding the backend after instantiation", async () => {
    const module = new WebAssembly.Module(readFileSync(guestFile("wasi", "sgen", "osal")));
    const wasi = tinyWasi(["steps=50"]);
    const guest = await instantiateWasiGuest({ module, wasi, backend: pageManager.factory });
    expect(guest.os).toBeDefined();
    expect((guest.os as unknown as { memory: unknown }).memory).toBe(guest.memory);
    expect(guest.start()).toBe(0);
    const result = parseGuestResult(wasi.stdout.join(""));
    expect(result).toMatchObject({ workload: "sgen", status: "ok", completedSteps: 50 });
    expect(guest.os?.stats().calls.mmap).toBe(result?.calls.mmap);
  });

  it("needs a backend for a guest that imports osal, and none for one that does not", async () => {
    const osal = new WebAssembly.Module(readFileSync(guestFile("wasi", "sgen", "osal")));
    await expect(instantiateWasiGuest({ module: osal, wasi: tinyWasi([]) })).rejects.toThrow(
      /options.backend/,
    );
    const libc = new WebAssembly.Module(readFileSync(guestFile("wasi", "sgen", "libc")));
    const guest = await instantiateWasiGuest({ module: libc, wasi: tinyWasi([]) });
    expect(guest.os).toBeUndefined();
  });

  it("gives a guest that imports its memory the memory it is given", async () => {
    // (module (import "env" "memory" (memory 1)))
    const bytes = new Uint8Array([
      0, 97, 115, 109, 1, 0, 0, 0, 2, 15, 1, 3, 101, 110, 118, 6, 109, 101, 109, 111, 114, 121, 2,
      0, 1,
    ]);
    const module = new WebAssembly.Module(bytes);
    await expect(instantiateWasiGuest({ module, wasi: tinyWasi([]) })).rejects.toThrow(
      /imports its memory/,
    );
    const { memory } = freshPageManager();
    const guest = await instantiateWasiGuest({ module, wasi: tinyWasi([]), memory });
    expect(guest.memory).toBe(memory);
  });
});

describe("runGuest", () => {
  it("captures stdout and stderr and reports a stop with its exit status", async () => {
    const run = await runGuest({
      toolchain: "wasi",
      file: guestFile("wasi", "mmtk", "libc"),
    });
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toMatch(/mmtk \(wasi, libc\): stopped at step 0/);
    expect(run.stdout.startsWith("OSAL-RESULT ")).toBe(true);
    expect(run.result?.status).toBe("call-failed");
  });

  it("reports a trap (a host bug in the backend) instead of throwing", async () => {
    const broken: GuestBackendFactory = (context) => {
      const os = pageManager.factory(context);
      return new Proxy(os, {
        get: (target, key) =>
          key === "dzmmapAnywhere"
            ? () => {
                throw new TypeError("backend bug");
              }
            : Reflect.get(target, key),
      });
    };
    for (const toolchain of ["wasi", "emscripten"] as const) {
      const run = await runGuest({
        toolchain,
        file: guestFile(toolchain, "sgen", "osal"),
        backend: broken,
        args: ["steps=10"],
      });
      expect(run.error).toBeInstanceOf(TypeError);
      expect(run.exitCode).toBe(toolchain === "wasi" ? 134 : 1);
      expect(run.result).toBeUndefined();
    }
  });

  it("throws for a guest file that does not exist", async () => {
    await expect(
      runGuest({ toolchain: "wasi", file: "/nonexistent/guest.wasm" }),
    ).rejects.toThrow();
  });

  it("passes arguments to Emscripten guests and reports a bad one", async () => {
    const run = await runGuest({
      toolchain: "emscripten",
      file: guestFile("emscripten", "sgen", "osal"),
      backend: pageManager.factory,
      args: ["bogus"],
    });
    expect(run.exitCode).toBe(4);
    expect(run.stderr).toMatch(/bad argument 'bogus'/);
    expect(run.result).toBeUndefined();
  });
});

describe("parseGuestResult", () => {
  it("takes the last OSAL-RESULT line and ignores the rest", () => {
    const text =
      'noise\nOSAL-RESULT {"status":"ok","workload":"a"}\nOSAL-RESULT {"status":"ok","workload":"b"}\n';
    expect(parseGuestResult(text)?.workload).toBe("b");
    expect(parseGuestResult("nothing")).toBeUndefined();
  });
});
