import type { OSMemory } from "@osal/core";

/** What {@link watchFirstTimeZeroing} saw. */
export interface FirstTimeZeroing {
  /** Bytes of megablocks handed out for the first time. */
  firstTimeBytes: number;
  /** Bytes of megablocks handed out again after being freed. */
  reusedBytes: number;
  /** Zeroed bytes that reuse cannot explain: zeroing of first-time megablocks (must be 0). */
  firstTimeZeroedBytes: number;
}

const mappingCalls = new Set(["dzmmapAnywhere", "dzmmapPreferred", "mremap", "getMBlocks"]);

/**
 * Wraps `os` so every mapping call is checked from the outside: the pages it
 * newly maps are classified as first-time (never mapped before) or reused, and
 * the call's growth of `stats().zeroedBytes` beyond the reused bytes is charged
 * to first-time pages. Independent of the backend's internals, so the benchmark
 * can state "zero bytes zeroed on first-time megablocks" as a measurement.
 */
export function watchFirstTimeZeroing<T extends OSMemory>(
  os: T,
): { os: T; result: FirstTimeZeroing } {
  const result: FirstTimeZeroing = { firstTimeBytes: 0, reusedBytes: 0, firstTimeZeroedBytes: 0 };
  const everMapped = new Set<number>();
  const mappedPages = (): Set<number> => {
    const pages = new Set<number>();
    for (const mapping of os.getMappings()) {
      for (let page = mapping.start; page < mapping.end; page += os.pageSize) pages.add(page);
    }
    return pages;
  };
  const proxy = new Proxy(os, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      if (!mappingCalls.has(String(property))) return value.bind(target);
      return (...args: unknown[]) => {
        const before = mappedPages();
        const zeroedBefore = target.stats().zeroedBytes;
        try {
          return value.apply(target, args);
        } finally {
          let reused = 0;
          for (const page of mappedPages()) {
            if (before.has(page)) continue;
            if (everMapped.has(page)) reused += target.pageSize;
            else result.firstTimeBytes += target.pageSize;
            everMapped.add(page);
          }
          result.reusedBytes += reused;
          const zeroed = target.stats().zeroedBytes - zeroedBefore;
          result.firstTimeZeroedBytes += Math.max(0, zeroed - reused);
        }
      };
    },
  });
  for (const page of mappedPages()) everMapped.add(page);
  return { os: proxy, result };
}
