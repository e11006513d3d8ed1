import {
  formatBytes,
  MemoryFault,
  MiB,
  MmapAnnotation,
  MmapStrategy,
  type OperatingSystem,
  TiB,
} from "@osal/core";

/** Sizes of the demonstration heap, MMTk's defaults scaled for a terminal. */
export interface HeapDemoLayout {
  /** Address range the heap may ever use, quarantined up front. */
  readonly heapBytes: number;
  /** Unit in which heap memory is mapped (MMTk's chunk). */
  readonly chunkBytes: number;
  /** Heap bytes per byte of side metadata (mark bits: one bit per 8-byte word). */
  readonly metadataRatio: number;
  /** Chunks the demonstration maps. */
  readonly chunks: number;
}

/** MMTk-like layout: a 1 TiB heap reservation, 4 MiB chunks, 1/64 side metadata. */
export const defaultHeapLayout: HeapDemoLayout = {
  heapBytes: TiB,
  chunkBytes: 4 * MiB,
  metadataRatio: 64,
  chunks: 6,
};

/** One step of the demonstration, for printing. */
export interface HeapDemoStep {
  readonly title: string;
  readonly detail: string;
}

/**
 * An MMTk-style heap on any backend: quarantine the heap's address range
 * (`NoAccess`, no reserve), map chunks inside it at fixed addresses with
 * `replace`, map their side metadata beside it, allocate into them, release a
 * chunk back to quarantine, and show that the quarantined range faults.
 * Written against `@osal/core` alone: the backend is the caller's choice.
 */
export function runHeapDemo(
  os: OperatingSystem,
  layout: HeapDemoLayout = defaultHeapLayout,
): HeapDemoStep[] {
  const steps: HeapDemoStep[] = [];
  const fixed = MmapStrategy.DEFAULT.withReplace(true);
  const metaPerChunk = Math.max(os.pageSize, layout.chunkBytes / layout.metadataRatio);

  const heap = os.dzmmapAnywhere(
    layout.heapBytes,
    layout.chunkBytes,
    MmapStrategy.QUARANTINE,
    MmapAnnotation.space("immix"),
  );
  const meta = os.dzmmapAnywhere(
    layout.heapBytes / layout.metadataRatio,
    os.pageSize,
    MmapStrategy.QUARANTINE,
    MmapAnnotation.sidemeta("immix", "mark-bits"),
  );
  steps.push({
    title: "quarantine",
    detail: `heap ${formatBytes(layout.heapBytes)} at 0x${heap.toString(16)}, side metadata ${formatBytes(layout.heapBytes / layout.metadataRatio)} at 0x${meta.toString(16)}, footprint ${formatBytes(os.stats().footprintBytes)}`,
  });

  const chunkAddresses: number[] = [];
  for (let i = 0; i < layout.chunks; i++) {
    const index = i * 37;
    const chunk = heap + index * layout.chunkBytes;
    os.dzmmap(chunk, layout.chunkBytes, fixed, MmapAnnotation.space("immix"));
    os.dzmmap(
      meta + index * metaPerChunk,
      metaPerChunk,
      fixed,
      MmapAnnotation.sidemeta("immix", "mark-bits"),
    );
    chunkAddresses.push(chunk);
  }
  steps.push({
    title: "map chunks",
    detail: `${layout.chunks} chunks of ${formatBytes(layout.chunkBytes)} mapped with replace inside the quarantine, with their mark bits`,
  });

  const object = new TextEncoder().encode("hello from an immix block");
  let objects = 0;
  for (const [i, chunk] of chunkAddresses.entries()) {
    for (let block = 0; block < 4; block++) {
      const at = chunk + block * 32 * 1024;
      os.write(at, object);
      const index = i * 37;
      const markByte = meta + index * metaPerChunk + (block * 32 * 1024) / 8 / 8;
      os.fill(markByte, 1, 0x01);
      objects++;
    }
  }
  const readBack = new TextDecoder().decode(os.read(chunkAddresses[0]!, object.length));
  steps.push({
    title: "allocate",
    detail: `${objects} objects written and marked; read back "${readBack}"; resident ${formatBytes(os.stats().footprintBytes)} of ${formatBytes(os.stats().mappedBytes)} mapped`,
  });

  const released = chunkAddresses[1]!;
  os.dzmmap(
    released,
    layout.chunkBytes,
    MmapStrategy.QUARANTINE.withReplace(true),
    MmapAnnotation.space("immix"),
  );
  let fault = "no fault";
  try {
    os.read(released, 8);
  } catch (error) {
    if (!(error instanceof MemoryFault)) throw error;
    fault = `${error.code} at 0x${error.faultAddress.toString(16)} (${error.reason})`;
  }
  steps.push({
    title: "release",
    detail: `chunk 1 returned to quarantine; touching it faults: ${fault}`,
  });
  return steps;
}
