import { ConsoleStdout, OpenFile, WASI, File as WasiFile } from "@bjorn3/browser_wasi_shim";
import threadsUrl from "@osal/guests/wasi/threads-osal.wasm?url";
import { createGuestImports, createWasiThreads } from "@osal/wasm-guest";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { expect, it } from "vitest";

// packages/guests/c/threads/wasi_threads.c (clang, shared memory): one
// instance per thread, each in a Web Worker started by createWasiThreads'
// `wasi` `thread-spawn`; 4 threads map, stamp, mremap (MAYMOVE), punch holes
// in and unmap their own memory on one page-manager state.
const OPERATIONS = 3000;
const THREADS = 4;
const REPORT_SIZE = 176;

it(`instance per thread: 4 Web Workers x ${OPERATIONS} operations on one page manager, no page owned twice, stamps intact, nothing left mapped`, async () => {
  expect(crossOriginIsolated).toBe(true);
  const module = await WebAssembly.compileStreaming(fetch(threadsUrl));
  const memory = new WebAssembly.Memory({ initial: 80, maximum: 16384, shared: true });
  const os = createWasmPageManager({ memory, pageSize: 4096 });
  const said = new SharedArrayBuffer(4 * (THREADS + 1));
  const threads = await createWasiThreads({
    module,
    memory,
    os,
    worker: new URL("./wasi-thread.worker.ts", import.meta.url),
    // Each thread's WASI marks its "thread <tid>: ok" line here.
    share: () => ({ state: os.state, said }),
  });
  const none = ConsoleStdout.lineBuffered(() => {});
  const wasi = new WASI([], [], [new OpenFile(new WasiFile([])), none, none]);
  const instance = new WebAssembly.Instance(module, {
    wasi_snapshot_preview1: wasi.wasiImport,
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
  const before = memory.buffer.byteLength;
  expect(exports.start(OPERATIONS, 5)).toBe(THREADS);
  await threads.join();
  expect(exports.done()).toBe(THREADS);
  // Each thread (ids 1 to 4) said "ok" through its own WASI.
  expect([...new Int32Array(said)].slice(1)).toEqual([1, 1, 1, 1]);
  expect(exports.report_size()).toBe(REPORT_SIZE);
  let highest = 0;
  for (let i = 0; i < THREADS; i++) {
    // struct stress_report (threads_stress.h): 11 uint32, a uint64 at 48, char[120] at 56.
    const view = new DataView(memory.buffer, exports.reports() + i * REPORT_SIZE, REPORT_SIZE);
    const [operations, maps, remaps, moves, holes] = [1, 2, 3, 4, 5].map((k) =>
      view.getUint32(4 * k, true),
    );
    const [failedCalls, ownedTwice, badStamps, leftMapped] = [7, 8, 9, 10].map((k) =>
      view.getUint32(4 * k, true),
    );
    expect({
      operations,
      failedCalls,
      ownedTwice,
      badStamps,
      leftMapped,
      problem: view.getUint8(56),
    }).toEqual({
      operations: OPERATIONS,
      failedCalls: 0,
      ownedTwice: 0,
      badStamps: 0,
      leftMapped: 0,
      problem: 0,
    });
    expect(maps).toBeGreaterThan(OPERATIONS / 5);
    expect(remaps).toBeGreaterThan(OPERATIONS / 25);
    expect(moves).toBeGreaterThan(0);
    expect(holes).toBeGreaterThan(OPERATIONS / 25);
    highest = Math.max(highest, Number(view.getBigUint64(48, true)));
  }
  expect(os.getMappings()).toEqual([]);
  // The workers grew the shared memory; this thread sees it.
  expect(memory.buffer.byteLength).toBeGreaterThan(before);
  expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(highest);
}, 120_000);
