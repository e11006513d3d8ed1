import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { WasmPageManager } from "@osal/wasm-page-manager";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { describe, expect, it } from "vitest";
import { type EmscriptenFactory, runEmscriptenGuest } from "../src/index.js";

// packages/guests/c/threads/threads.c built with Emscripten -pthread and the
// drop-in flags only (packages/guests/build.sh): four pthreads each map,
// stamp, mremap (MAYMOVE), punch holes in and unmap their own memory. The
// worker-side module and the osal package it imports are the built ones (dist).
const require = createRequire(import.meta.url);
const guest = require.resolve("@osal/guests/emscripten/threads-osal.js");
const factory = require(guest) as EmscriptenFactory;
const module = new WebAssembly.Module(readFileSync(guest.replace(/\.js$/, ".wasm")));
const threadModule = new URL("./support/emscripten-thread-osal.mjs", import.meta.url).href;
const OPERATIONS = 5000;
const INITIAL_MEMORY = 16 * 1024 * 1024;

interface ThreadsResult {
  threads: number;
  page: number;
  operations: number;
  maps: number;
  remaps: number;
  moves: number;
  holes: number;
  unmaps: number;
  failedCalls: number;
  ownedTwice: number;
  badStamps: number;
  leftMapped: number;
  highest: number;
  problem?: string;
}

function parse(lines: readonly string[], prefix: string): ThreadsResult[] {
  return lines
    .filter((line) => line.startsWith(`${prefix} `))
    .map((line) => JSON.parse(line.slice(prefix.length + 1)) as ThreadsResult);
}

describe("Emscripten -pthread guest on one shared page manager", () => {
  it(`4 pthreads x ${OPERATIONS} operations: no page owned twice, every stamp intact, nothing left mapped, growth seen by all`, async () => {
    const lines: string[] = [];
    const errors: string[] = [];
    const run = await runEmscriptenGuest({
      factory,
      module,
      arguments: [`ops=${OPERATIONS}`, "seed=7"],
      backend: ({ memory, source }) => createWasmPageManager({ memory, source, pageSize: 4096 }),
      threads: { module: threadModule },
      print: (line) => lines.push(line),
      printErr: (line) => errors.push(line),
    });
    expect(errors).toEqual([]);
    expect(run.error).toBeUndefined();
    expect(run.exitCode).toBe(0);
    const perThread = parse(lines, "THREAD-RESULT");
    expect(perThread).toHaveLength(4);
    for (const thread of perThread) {
      expect(thread.problem).toBe("");
      expect(thread.operations).toBe(OPERATIONS);
      // Each thread really did each kind of operation, many times.
      expect(thread.maps).toBeGreaterThan(OPERATIONS / 5);
      expect(thread.remaps).toBeGreaterThan(OPERATIONS / 25);
      expect(thread.moves).toBeGreaterThan(0);
      expect(thread.holes).toBeGreaterThan(OPERATIONS / 25);
    }
    const [total] = parse(lines, "THREADS-RESULT");
    expect(total).toMatchObject({
      threads: 4,
      page: 4096,
      operations: 4 * OPERATIONS,
      failedCalls: 0,
      ownedTwice: 0,
      badStamps: 0,
      leftMapped: 0,
    });
    console.log(`Emscripten pthreads: ${JSON.stringify(total)}`);
    // The page table every thread shared has nothing mapped left.
    const os = run.os as WasmPageManager;
    expect(os.getMappings()).toEqual([]);
    for (const pages of os.pageStates()) {
      expect(["free-zeroed", "free-dirty", "external"]).toContain(pages.state);
    }
    // The threads grew the memory (through the guest's sbrk) past its initial
    // size; the main thread sees every byte they reached.
    expect(total!.highest).toBeGreaterThan(INITIAL_MEMORY);
    expect(run.memory?.buffer.byteLength).toBeGreaterThanOrEqual(total!.highest);
  }, 60_000);

  it("refuses, naming the option, a -pthread guest run without threads", async () => {
    await expect(
      runEmscriptenGuest({
        factory,
        module,
        arguments: ["ops=10"],
        backend: ({ memory, source }) => createWasmPageManager({ memory, source }),
      }),
    ).rejects.toThrow(
      /workers need the backend.s shared state: pass emscriptenOsal\(\{ backend, threads/,
    );
  });

  it("rejects, naming the module, when a pthread worker cannot make its host", async () => {
    await expect(
      runEmscriptenGuest({
        factory,
        module,
        arguments: ["ops=10"],
        backend: ({ memory, source }) => createWasmPageManager({ memory, source }),
        threads: {
          module: new URL("./support/emscripten-thread-no-host.mjs", import.meta.url).href,
        },
      }),
    ).rejects.toThrow(
      /could not make its osal host with .*emscripten-thread-no-host\.mjs: it has no default export/,
    );
  });
});
