import { mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { WASI } from "node:wasi";
// The built package (dist), as the thread workers (support/wasi-thread-worker.mjs) load it.
import { createGuestImports, createWasiThreads } from "@osal/wasm-guest";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { describe, expect, it } from "vitest";

// packages/guests/c/threads/wasi_threads.c (clang, shared memory, one
// instance per thread): the main instance spawns 4 threads through
// `wasi` `thread-spawn`; each maps, stamps, mremaps (MAYMOVE), punches holes
// in and unmaps its own memory on one page-manager state.
const require = createRequire(import.meta.url);
const wasm = require.resolve("@osal/guests/wasi/threads-osal.wasm");
const module = new WebAssembly.Module(readFileSync(wasm));
const worker = new URL("./support/wasi-thread-worker.mjs", import.meta.url);
const OPERATIONS = 5000;
const THREADS = 4;

interface Report {
  id: number;
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
  problem: string;
}

/** Reads struct stress_report (threads_stress.h): 11 uint32, a uint64 at 48, char[120] at 56. */
function readReports(memory: WebAssembly.Memory, address: number, size: number): Report[] {
  expect(size).toBe(176);
  return Array.from({ length: THREADS }, (_, i) => {
    const view = new DataView(memory.buffer, address + i * size, size);
    const u32 = (k: number) => view.getUint32(4 * k, true);
    const bytes = new Uint8Array(memory.buffer, address + i * size + 56, 120).slice();
    return {
      id: u32(0),
      operations: u32(1),
      maps: u32(2),
      remaps: u32(3),
      moves: u32(4),
      holes: u32(5),
      unmaps: u32(6),
      failedCalls: u32(7),
      ownedTwice: u32(8),
      badStamps: u32(9),
      leftMapped: u32(10),
      highest: Number(view.getBigUint64(48, true)),
      problem: new TextDecoder().decode(bytes.subarray(0, bytes.indexOf(0))),
    };
  });
}

describe("instance per thread (wasi-threads thread-spawn) on one shared page manager", () => {
  it(`4 threads x ${OPERATIONS} operations: no page owned twice, every stamp intact, nothing left mapped, growth seen by all`, async () => {
    const [imported] = WebAssembly.Module.imports(module).filter(
      (entry) => entry.kind === "memory",
    );
    expect(imported?.name).toBe("memory");
    const memory = new WebAssembly.Memory({ initial: 80, maximum: 16384, shared: true });
    const os = createWasmPageManager({ memory, pageSize: 4096 });
    // Every thread has a node:wasi of its own (support/wasi-thread-worker.mjs),
    // writing to this file; the main instance has one too.
    const dir = mkdtempSync(join(tmpdir(), "osal-threads-"));
    const stdout = join(dir, "stdout");
    const threads = await createWasiThreads({
      module,
      memory,
      os,
      worker,
      share: () => ({ state: os.state, stdout }),
    });
    const wasi = new WASI({ version: "preview1", stdout: openSync(stdout, "a") });
    const instance = new WebAssembly.Instance(module, {
      ...wasi.getImportObject(),
      env: { memory },
      osal: createGuestImports(os, { memory }),
      ...threads.imports,
    });
    const exports = instance.exports as {
      start(operations: number, seed: number): number;
      done(): number;
      reports(): number;
      report_size(): number;
    };
    wasi.initialize({ exports: { memory } } as unknown as WebAssembly.Instance);
    const before = memory.buffer.byteLength;
    expect(exports.start(OPERATIONS, 11)).toBe(THREADS);
    expect(threads.spawned).toBe(THREADS);
    await threads.join();
    expect(exports.done()).toBe(THREADS);
    // Each thread said so through its own node:wasi (thread ids 1 to 4).
    const said = readFileSync(stdout, "utf8").trim().split("\n").sort();
    rmSync(dir, { recursive: true, force: true });
    expect(said).toEqual(["thread 1: ok", "thread 2: ok", "thread 3: ok", "thread 4: ok"]);
    const reports = readReports(memory, exports.reports(), exports.report_size());
    for (const report of reports) {
      expect(report).toMatchObject({
        operations: OPERATIONS,
        failedCalls: 0,
        ownedTwice: 0,
        badStamps: 0,
        leftMapped: 0,
        problem: "",
      });
      expect(report.maps).toBeGreaterThan(OPERATIONS / 5);
      expect(report.remaps).toBeGreaterThan(OPERATIONS / 25);
      expect(report.moves).toBeGreaterThan(0);
      expect(report.holes).toBeGreaterThan(OPERATIONS / 25);
    }
    const total = reports.reduce((sum, r) => sum + r.maps + r.remaps + r.holes + r.unmaps, 0);
    console.log(
      `instance per thread: ${THREADS} threads, ${THREADS * OPERATIONS} operations (${total} mman calls), highest address ${Math.max(...reports.map((r) => r.highest))}`,
    );
    // The shared page table: nothing mapped; the threads grew the memory and
    // this thread sees it.
    expect(os.getMappings()).toEqual([]);
    expect(memory.buffer.byteLength).toBeGreaterThan(before);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(
      Math.max(...reports.map((r) => r.highest)),
    );
  }, 60_000);

  it("refuses a memory that is not shared, and a backend with no shared state", async () => {
    const plain = new WebAssembly.Memory({ initial: 80, maximum: 16384 });
    await expect(
      createWasiThreads({
        module,
        memory: plain,
        os: createWasmPageManager({ memory: plain }),
        worker,
      }),
    ).rejects.toThrow(/needs a shared memory/);
    const memory = new WebAssembly.Memory({ initial: 80, maximum: 16384, shared: true });
    const os = createWasmPageManager({ memory });
    await expect(
      createWasiThreads({ module, memory, os, worker, share: () => 1 }),
    ).resolves.toBeDefined();
    await expect(
      createWasiThreads({
        module,
        memory,
        os: { ...os, state: undefined } as never,
        worker,
      }),
    ).rejects.toThrow(/no shared state buffer/);
  });
});
