import threadsJs from "@osal/guests/emscripten/threads-osal.js?raw";
import threadsWasmUrl from "@osal/guests/emscripten/threads-osal.wasm?url";
import threadsWorkerJs from "@osal/guests/emscripten/threads-osal.worker.js?raw";
import { type EmscriptenFactory, runEmscriptenGuest } from "@osal/wasm-guest";
import { createWasmPageManager, type WasmPageManager } from "@osal/wasm-page-manager";
import { expect, it } from "vitest";

// packages/guests/c/threads/threads.c, built with Emscripten -pthread and the
// drop-in osal flags: four pthreads (Web Workers made by Emscripten's own
// worker.js) each map, stamp, mremap (MAYMOVE), punch holes in and unmap their
// own memory, all on one page manager state. Needs the cross-origin isolated
// page the project serves (shared memory).
const OPERATIONS = 2000;
const INITIAL_MEMORY = 16 * 1024 * 1024;

interface ThreadsResult {
  readonly operations: number;
  readonly maps: number;
  readonly remaps: number;
  readonly moves: number;
  readonly holes: number;
  readonly failedCalls: number;
  readonly ownedTwice: number;
  readonly badStamps: number;
  readonly leftMapped: number;
  readonly highest: number;
  readonly problem?: string;
}

function parse(lines: readonly string[], prefix: string): ThreadsResult[] {
  return lines
    .filter((line) => line.startsWith(`${prefix} `))
    .map((line) => JSON.parse(line.slice(prefix.length + 1)) as ThreadsResult);
}

/**
 * The Emscripten loader (CommonJS/UMD), evaluated in the page. Its files are
 * taken raw (Vite would serve them as ES modules) and handed to Emscripten as
 * blobs: the program for its workers to load, and its worker.js.
 */
function loadFactory(): EmscriptenFactory {
  const createGuest = new Function(`${threadsJs}\nreturn createGuest;`)() as EmscriptenFactory;
  const program = new Blob([threadsJs], { type: "text/javascript" });
  const worker = URL.createObjectURL(new Blob([threadsWorkerJs], { type: "text/javascript" }));
  return (moduleArg) =>
    createGuest({
      ...moduleArg,
      mainScriptUrlOrBlob: program,
      // Asked for both; the .wasm is never fetched (runEmscriptenGuest instantiates `module`).
      locateFile: (path: string) => (path.endsWith(".worker.js") ? worker : threadsWasmUrl),
    });
}

it(`an Emscripten -pthread guest: 4 pthreads x ${OPERATIONS} operations on one page manager, no page owned twice, stamps intact, nothing left mapped`, async () => {
  expect(crossOriginIsolated).toBe(true);
  const factory = loadFactory();
  const module = await WebAssembly.compileStreaming(fetch(threadsWasmUrl));
  const lines: string[] = [];
  const errors: string[] = [];
  const run = await runEmscriptenGuest({
    factory,
    module,
    arguments: [`ops=${OPERATIONS}`, "seed=3"],
    backend: ({ memory, source }) => createWasmPageManager({ memory, source, pageSize: 4096 }),
    threads: { module: new URL("./emscripten-thread-osal.ts", import.meta.url).href },
    print: (line) => lines.push(line),
    printErr: (line) => errors.push(line),
  });
  // main() joins its threads on the page's main thread (Emscripten busy-waits
  // there, and says so); nothing else is written to stderr.
  expect(errors.filter((line) => !line.startsWith("Blocking on the main thread"))).toEqual([]);
  expect(run.error).toBeUndefined();
  expect(run.exitCode).toBe(0);
  const perThread = parse(lines, "THREAD-RESULT");
  expect(perThread).toHaveLength(4);
  for (const thread of perThread) {
    expect(thread.problem).toBe("");
    expect(thread.operations).toBe(OPERATIONS);
    expect(thread.maps).toBeGreaterThan(OPERATIONS / 5);
    expect(thread.remaps).toBeGreaterThan(OPERATIONS / 25);
    expect(thread.moves).toBeGreaterThan(0);
    expect(thread.holes).toBeGreaterThan(OPERATIONS / 25);
  }
  const [total] = parse(lines, "THREADS-RESULT");
  expect(total).toMatchObject({
    operations: 4 * OPERATIONS,
    failedCalls: 0,
    ownedTwice: 0,
    badStamps: 0,
    leftMapped: 0,
  });
  const os = run.os as WasmPageManager;
  expect(os.getMappings()).toEqual([]);
  for (const pages of os.pageStates()) {
    expect(["free-zeroed", "free-dirty", "external"]).toContain(pages.state);
  }
  // The workers grew the memory through the guest's sbrk; this thread sees it.
  expect(total?.highest).toBeGreaterThan(INITIAL_MEMORY);
  expect(run.memory?.buffer.byteLength).toBeGreaterThanOrEqual(total?.highest ?? 0);
}, 120_000);
