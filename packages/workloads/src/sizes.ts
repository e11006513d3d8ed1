import { MiB } from "@osal/core";

/**
 * Sizes of the workloads, in one place. They keep every workload's peak live memory
 * near 150 MiB and its reservations at 256 MiB, well inside a wasm32 linear memory
 * (4 GiB at most). Each workload rounds them up to the backend's page size, so a
 * backend with 1 MiB pages gets whole pages.
 */
export const workloadSizes = Object.freeze({
  /** zend_alloc's chunk (`ZEND_MM_CHUNK_SIZE`), also its alignment. */
  zendChunk: 2 * MiB,
  /** Largest zend huge block; a string or array that would grow past it stops growing. */
  zendHugeMax: 16 * MiB,
  /**
   * `REAL_PAGE_SIZE` and `SMART_STR_PAGE`: zend_alloc sizes huge blocks, and
   * `smart_str` its buffers, in multiples of it (the backend's page rounds further).
   */
  zendRealPage: 4 * 1024,
  /** Largest single append to a zend string being built (a line, a row, a read buffer). */
  zendAppendMax: 64 * 1024,
  /** Most bytes of zend chunks and huge blocks held between steps. */
  zendLiveCap: 128 * MiB,
  /** sgen's section (`SGEN_DEFAULT_SECTION_SIZE`-like), also its alignment. */
  sgenSection: 1 * MiB,
  /** Most bytes of sgen sections held. */
  sgenLiveCap: 128 * MiB,
  /** CoreCLR's commit granularity (the wasm GC PAL's 16 KiB page). */
  coreclrCommitUnit: 16 * 1024,
  /** CoreCLR GC region, the unit it reserves in and its alignment. */
  coreclrRegion: 4 * MiB,
  /** Regions in CoreCLR's reservation. */
  coreclrRegions: 64,
  /** Most bytes CoreCLR keeps committed. */
  coreclrLiveCap: 96 * MiB,
  /** GHC's megablock (`MBLOCK_SIZE`), also its alignment. */
  ghcMegablock: 1 * MiB,
  /** Most megablocks GHC asks for at once. */
  ghcMaxGroup: 8,
  /** Most bytes of megablock groups in use by the mutator. */
  ghcLiveCap: 96 * MiB,
  /** Free-list size past which the RTS returns megablocks to the OS. */
  ghcFreeRetain: 32 * MiB,
  /** MMTk's chunk (`BYTES_IN_CHUNK`), also its alignment. */
  mmtkChunk: 4 * MiB,
  /** Chunks in MMTk's quarantined heap range. */
  mmtkHeapChunks: 64,
  /** Most chunks MMTk keeps mapped. */
  mmtkLiveChunks: 32,
  /** Heap bytes per side-metadata byte (one mark bit per 8-byte word). */
  mmtkMetadataRatio: 64,
});

/** The larger of an alignment and the page size: both are powers of two. */
export function alignAtLeastPage(align: number, pageSize: number): number {
  return Math.max(align, pageSize);
}
