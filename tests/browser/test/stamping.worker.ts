// A Web Worker for workers.test.ts. It attaches a page manager to the shared
// memory and page-table state it is posted, then maps, stamps, checks and
// unmaps (whole blocks, or all but the first page) at random. Every page it
// holds carries its id and a serial in the first 8 bytes, and it claims each
// page in a shared owner table with compareExchange: a page handed to two
// workers at once shows up either way.
import { type LinearMemory, MmapStrategy } from "@osal/core";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { Prng } from "@osal/workloads";

/** What the test posts to each worker. */
export interface StampingJob {
  readonly memory: LinearMemory;
  readonly state: SharedArrayBuffer;
  readonly owners: SharedArrayBuffer;
  readonly id: number;
  readonly operations: number;
  readonly seed: number;
}

/** What each worker posts back. */
export interface StampingReport {
  readonly problems: string[];
  readonly counts: Record<"map" | "unmap" | "partial" | "grow", number>;
}

interface Block {
  start: number;
  pages: number;
  tag: number;
}

function run(job: StampingJob): StampingReport {
  const { memory, id } = job;
  const os = createWasmPageManager({ memory, shared: { state: job.state } });
  const page = os.pageSize;
  const owners = new Int32Array(job.owners);
  const rng = new Prng(job.seed);
  const next = (limit: number) => rng.int(limit);
  const held: Block[] = [];
  const problems: string[] = [];
  const counts = { map: 0, unmap: 0, partial: 0, grow: 0 };
  let serial = 0;

  const claim = (start: number, pages: number) => {
    for (let i = 0; i < pages; i++) {
      const previous = Atomics.compareExchange(owners, start / page + i, 0, id);
      if (previous !== 0)
        problems.push(`page ${start + i * page} handed out while ${previous} holds it`);
    }
  };
  const release = (start: number, pages: number) => {
    for (let i = 0; i < pages; i++) Atomics.store(owners, start / page + i, 0);
  };
  const stamp = (block: Block) => {
    const view = new DataView(memory.buffer);
    for (let i = 0; i < block.pages; i++) {
      view.setUint32(block.start + i * page, id, true);
      view.setUint32(block.start + i * page + 4, block.tag, true);
    }
  };
  const check = (block: Block, when: string) => {
    const view = new DataView(memory.buffer);
    for (let i = 0; i < block.pages; i++) {
      const at = block.start + i * page;
      const owner = view.getUint32(at, true);
      const tag = view.getUint32(at + 4, true);
      if (owner !== id || tag !== block.tag)
        problems.push(`${when}: page ${at} holds ${owner}/${tag}, expected ${id}/${block.tag}`);
    }
  };

  for (let op = 0; op < job.operations; op++) {
    if (held.length === 0 || (held.length < 48 && next(100) < 55)) {
      const pages = 1 + next(4);
      const before = memory.buffer.byteLength;
      const start = os.dzmmapAnywhere(pages * page, page, MmapStrategy.DEFAULT);
      if (memory.buffer.byteLength > before) counts.grow++;
      claim(start, pages);
      if (!os.read(start, pages * page).every((b) => b === 0))
        problems.push(`fresh block ${start} not zero`);
      const block = { start, pages, tag: ++serial };
      stamp(block);
      held.push(block);
      counts.map++;
    } else {
      const index = next(held.length);
      const block = held[index] as Block;
      check(block, "before unmap");
      if (block.pages > 1 && next(2) === 0) {
        release(block.start + page, block.pages - 1);
        os.munmap(block.start + page, (block.pages - 1) * page);
        block.pages = 1;
        check(block, "after partial unmap");
        counts.partial++;
      } else {
        release(block.start, block.pages);
        os.munmap(block.start, block.pages * page);
        held.splice(index, 1);
        counts.unmap++;
      }
    }
  }
  for (const block of held) {
    check(block, "at the end");
    release(block.start, block.pages);
    os.munmap(block.start, block.pages * page);
  }
  return { problems: problems.slice(0, 10), counts };
}

self.onmessage = (event: MessageEvent<StampingJob>) => {
  self.postMessage(run(event.data));
};
