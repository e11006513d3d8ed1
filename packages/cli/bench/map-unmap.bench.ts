import { MmapAnnotation, MmapStrategy } from "@osal/core";
import { bench, describe } from "vitest";
import { backendSpecs } from "../src/index.js";

/**
 * Map+unmap throughput per backend: one `dzmmapAnywhere` of 4 pages and its
 * `munmap`, on an otherwise empty backend (the fast path every allocator hits).
 */
describe("map + unmap 4 pages", () => {
  for (const spec of backendSpecs) {
    const { os } = spec.create();
    const size = 4 * os.pageSize;
    const annotation = MmapAnnotation.misc("bench");
    bench(spec.name, () => {
      const at = os.dzmmapAnywhere(size, os.pageSize, MmapStrategy.DEFAULT, annotation);
      os.munmap(at, size);
    });
  }
});
