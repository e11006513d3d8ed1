import { MmapAnnotation, MmapStrategy, type OperatingSystem } from "@osal/core";
import { createGhcMegablock } from "@osal/ghc-megablock";
import { createMockUnix } from "@osal/mock-unix";
import { createWasmPageManager } from "@osal/wasm-page-manager";
import { createWasmPosixMemalign } from "@osal/wasm-posix-memalign";
import { bench, describe } from "vitest";

/**
 * Scaling with the size of the page table: N live pages in a fragmented table
 * (2N pages mapped at once, then every other page unmapped, so N one-page holes
 * sit between N one-page mappings), then the cost of one map+unmap of a single
 * page in that state. Counts past a backend's `maxLivePages` are left out:
 * ghc-megablock's smallest megablock is 64 KiB and a linear memory holds at most
 * 4 GiB (65 536 such pages, so 30 000 live plus their holes); mock-unix's VMA list
 * costs O(mappings) per call, so building 60 000 fragments would take minutes.
 */
interface ScalingBackend {
  readonly name: string;
  /** Most live pages the fragmented layout fits in (2N pages of address space). */
  readonly maxLivePages: number;
  create(): OperatingSystem;
}

const backends: readonly ScalingBackend[] = [
  {
    name: "wasm-page-manager (4 KiB)",
    maxLivePages: 60_000,
    create: () => createWasmPageManager({ pageSize: 4096 }),
  },
  {
    name: "wasm-posix-memalign (4 KiB)",
    maxLivePages: 60_000,
    create: () => createWasmPosixMemalign({ pageSize: 4096 }),
  },
  { name: "mock-unix (4 KiB)", maxLivePages: 4_000, create: () => createMockUnix() },
  {
    name: "ghc-megablock (64 KiB)",
    maxLivePages: 30_000,
    create: () => createGhcMegablock({ megablockSize: 65536 }),
  },
];

const counts = [1_000, 4_000, 16_000, 30_000, 60_000];
const annotation = MmapAnnotation.misc("bench");

/** A backend holding `live` single pages with a free page between each two. */
function fragmented(backend: ScalingBackend, live: number): OperatingSystem {
  const os = backend.create();
  const page = os.pageSize;
  const base = os.dzmmapAnywhere(2 * live * page, page, MmapStrategy.DEFAULT, annotation);
  for (let i = 0; i < 2 * live; i += 2) os.munmap(base + i * page, page);
  return os;
}

for (const backend of backends) {
  describe(`map + unmap one page among N live pages (fragmented): ${backend.name}`, () => {
    for (const live of counts.filter((n) => n <= backend.maxLivePages)) {
      let os: OperatingSystem | undefined;
      bench(
        `${live} live pages`,
        () => {
          const page = os!.pageSize;
          const at = os!.dzmmapAnywhere(page, page, MmapStrategy.DEFAULT, annotation);
          os!.munmap(at, page);
        },
        {
          setup: () => {
            os ??= fragmented(backend, live);
          },
          time: 300,
        },
      );
    }
  });
}
