import {
  createLinearMemory,
  EXACT_GROWTH,
  HugePageSupport,
  hasErrorCode,
  MiB,
  MmapProtection,
} from "@osal/core";
import { describe, expect, it } from "vitest";
import {
  encodeAttributes,
  type FreePageIndex,
  type FreePageIndexLayout,
  Header,
  LinearMemoryEngine,
  NO_INDEX,
  PageState,
  SharedState,
  ZeroMark,
} from "../src/index.js";

const RW = encodeAttributes(MmapProtection.ReadWrite, true, HugePageSupport.No);
const NONE = encodeAttributes(MmapProtection.NoAccess, true, HugePageSupport.No);

/** Counts what the engine reports. */
function counters() {
  return {
    zeroed: 0,
    uninitialized: 0,
    addZeroed(bytes: number) {
      this.zeroed += bytes;
    },
    addUninitialized(bytes: number) {
      this.uninitialized += bytes;
    },
  };
}

/**
 * An engine over a fresh memory of `totalPages` pages of `granule` bytes (no
 * index), the memory grown by `grownFirst` wasm pages before the engine sees it.
 */
function makeEngine(granule: number, totalPages: number, shared = false, grownFirst = 0) {
  const memory = createLinearMemory(granule * totalPages, shared);
  memory.grow(grownFirst);
  const state = SharedState.create({ granule, totalPages, shared, index: NO_INDEX });
  const count = counters();
  const engine = new LinearMemoryEngine({
    memory,
    state,
    fresh: true,
    source: "grow",
    growth: EXACT_GROWTH,
    counters: count,
  });
  return { memory, state, engine, count };
}

/** An engine with 1 MiB pages (megablocks) over a memory that starts 3 wasm pages long. */
function megablockEngine(maximumMiB = 8) {
  return makeEngine(MiB, maximumMiB, false, 3);
}

describe("LinearMemoryEngine with a granule coarser than a wasm page", () => {
  it("takes the page the memory ends inside as someone else's and grows whole pages", () => {
    const { memory, engine } = megablockEngine();
    expect(engine.frontier).toBe(1);
    expect(engine.states[0]).toBe(PageState.External);
    engine.lock();
    try {
      engine.extend(3);
    } finally {
      engine.unlock();
    }
    expect(memory.buffer.byteLength).toBe(3 * MiB);
    expect(engine.frontier).toBe(3);
    expect([engine.states[1], engine.states[2]]).toEqual([
      PageState.FreeZeroed,
      PageState.FreeZeroed,
    ]);
  });

  it("zeroes a reused page once, lazily when it is mapped NoAccess", () => {
    const { memory, engine, count } = megablockEngine();
    engine.lock();
    try {
      engine.extend(2);
      engine.map(1, 1, RW, 0);
      expect(count.zeroed).toBe(0);
      new Uint8Array(memory.buffer).fill(7, MiB, 2 * MiB);
      engine.unmap(1, 1);
      expect(engine.states[1]).toBe(PageState.FreeDirty);
      engine.map(1, 1, NONE, 0);
      expect(engine.zeroMarks[1]).toBe(ZeroMark.Pending);
      expect(count.zeroed).toBe(0);
      engine.open(1, 2);
      expect(count.zeroed).toBe(MiB);
      expect(new Uint8Array(memory.buffer, MiB, MiB).every((b) => b === 0)).toBe(true);
      engine.map(1, 1, NONE, 0);
      engine.unmap(1, 1);
      expect(engine.states[1]).toBe(PageState.FreeDirty);
      engine.map(1, 1, NONE, 0);
      engine.unmap(1, 1);
      engine.map(1, 1, RW, 0, 0, true);
      expect(count.uninitialized).toBe(MiB);
      expect(engine.mappedPages).toBe(1);
      expect(engine.committedPages).toBe(1);
    } finally {
      engine.unlock();
    }
  });

  it("counts memory grown by someone else as external", () => {
    const { memory, engine } = megablockEngine();
    memory.grow(20); // to 1.5 MiB: page 1 is partly someone else's
    engine.lock();
    try {
      engine.sync();
      expect(engine.frontier).toBe(2);
      expect(engine.states[1]).toBe(PageState.External);
      engine.extend(3);
      expect(engine.states[2]).toBe(PageState.FreeZeroed);
    } finally {
      engine.unlock();
    }
  });
});

describe("SharedState", () => {
  it("keeps the backend's index in the buffer and refuses another layout on attach", () => {
    const sets: [number, number, boolean][] = [];
    const layout: FreePageIndexLayout<FreePageIndex & { words: Int32Array }> = {
      words: (pages) => pages,
      view: (words) => ({ words, set: (a, b, free) => sets.push([a, b, free]) }),
    };
    const state = SharedState.create({
      granule: 65536,
      totalPages: 16,
      shared: false,
      index: layout,
    });
    expect(state.index.words.length).toBe(16);
    state.external(0, 2);
    expect(sets).toEqual([[0, 2, false]]);
    expect(SharedState.attach(state.buffer, layout).frontier).toBe(2);
    let error: unknown;
    try {
      SharedState.attach(state.buffer, NO_INDEX);
    } catch (caught) {
      error = caught;
    }
    expect(hasErrorCode(error, "EINVAL")).toBe(true);
    expect(() => SharedState.attach(new ArrayBuffer(64), layout)).toThrow(
      /not a linear-memory state/,
    );
  });
});

describe("LinearMemoryEngine's lock", () => {
  function engineOver(shared: boolean) {
    const { state, engine } = makeEngine(MiB, 8, shared);
    return { engine, lockWord: () => state.header[Header.Lock] };
  }

  it("takes the state's lock word over a shared memory, which other threads can reach", () => {
    const { engine, lockWord } = engineOver(true);
    engine.lock();
    expect(lockWord()).toBe(1);
    engine.unlock();
    expect(lockWord()).toBe(0);
  });

  it("leaves the lock word alone over a memory no other thread can reach", () => {
    const { engine, lockWord } = engineOver(false);
    engine.lock();
    expect(lockWord()).toBe(0);
    engine.extend(2);
    engine.unlock();
    expect(lockWord()).toBe(0);
    expect(engine.frontier).toBeGreaterThanOrEqual(2);
  });
});

describe("LinearMemoryEngine over a long run of pages", () => {
  const PAGE = 65536;
  const PAGES = 1024;

  /** An engine with 64 KiB pages over a 64 MiB memory, all of it claimed. */
  function pageEngine() {
    const made = makeEngine(PAGE, PAGES);
    made.engine.extend(PAGES);
    return made;
  }

  it("maps 600 fresh pages read-write writing nothing, and zeroes them when mapped again", () => {
    const { memory, engine, count } = pageEngine();
    engine.map(100, 600, RW, 3);
    expect(count.zeroed).toBe(0);
    expect(engine.mappedPages).toBe(600);
    expect(engine.committedPages).toBe(600);
    for (const page of [100, 400, 699]) {
      expect(engine.states[page]).toBe(PageState.Allocated);
      expect(engine.attributes[page]).toBe(RW);
      expect(engine.annotationIds[page]).toBe(3);
      expect(engine.zeroMarks[page]).toBe(ZeroMark.Dirty);
    }
    expect([engine.states[99], engine.states[700]]).toEqual([
      PageState.FreeZeroed,
      PageState.FreeZeroed,
    ]);
    new Uint8Array(memory.buffer).fill(9, 100 * PAGE, 700 * PAGE);
    engine.unmap(100, 600);
    engine.map(100, 600, RW, 3);
    expect(count.zeroed).toBe(600 * PAGE);
    expect(new Uint8Array(memory.buffer, 100 * PAGE, 600 * PAGE).every((b) => b === 0)).toBe(true);
  });

  it("marks 600 fresh pages mapped NoAccess as known zero, so opening them writes nothing", () => {
    const { engine, count } = pageEngine();
    engine.map(1, 600, NONE, 0);
    expect(engine.zeroMarks[1]).toBe(ZeroMark.Zero);
    expect(engine.zeroMarks[600]).toBe(ZeroMark.Zero);
    engine.open(1, 601);
    expect(count.zeroed).toBe(0);
  });

  it("zeroes only the dirty pages of a long run that mixes fresh and reused pages", () => {
    const { memory, engine, count } = pageEngine();
    engine.map(300, 10, RW, 0);
    new Uint8Array(memory.buffer).fill(5, 300 * PAGE, 310 * PAGE);
    engine.unmap(300, 10);
    engine.map(1, 600, RW, 0);
    expect(count.zeroed).toBe(10 * PAGE);
    expect(new Uint8Array(memory.buffer, 300 * PAGE, 10 * PAGE).every((b) => b === 0)).toBe(true);
    expect(engine.mappedPages).toBe(600);
  });
});
