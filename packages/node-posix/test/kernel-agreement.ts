import { readFileSync } from "node:fs";
import { hex, type MappingInfo, parseProcMaps, protectionLetters } from "@osal/core";
import { PLACEHOLDER_NAME } from "../src/arena.js";
import type { NodePosix } from "../src/index.js";

/**
 * Checks that node-posix's table and the kernel agree, from the kernel's side:
 * `/proc/self/maps` read here, independently of the backend. Every mapping the
 * backend lists must be covered by kernel VMAs with its permissions, and every
 * accessible kernel VMA inside the arena must be covered by listed mappings.
 * Where the kernel names VMAs, placeholders are told apart by name and every
 * other VMA (`PROT_NONE` ones too) must be listed. Throws an `Error` naming the
 * first disagreement; `getMappings` itself also refuses a VMA it does not
 * understand.
 */
export function expectKernelAgrees(os: NodePosix): void {
  const listed = os.getMappings();
  const placeholder = `[anon:${PLACEHOLDER_NAME}]`;
  const kernel = parseProcMaps(readFileSync("/proc/self/maps", "utf8"))
    .filter((vma) => vma.start < os.addressSpaceEnd && os.arenaStart < vma.end)
    .map((vma) => ({
      start: Math.max(vma.start, os.arenaStart),
      end: Math.min(vma.end, os.addressSpaceEnd),
      perms: vma.perms.slice(0, 3),
      user: os.namesVmas ? vma.name !== placeholder : vma.perms.slice(0, 3) !== "---",
    }));
  for (const mapping of listed) {
    let cursor = mapping.start;
    for (const vma of kernel) {
      if (vma.end <= cursor || vma.start >= mapping.end) continue;
      if (vma.start > cursor || vma.perms !== protectionLetters(mapping.prot)) break;
      cursor = vma.end;
    }
    if (cursor < mapping.end) {
      throw new Error(
        `node-posix lists ${describe(mapping)}, the kernel disagrees from ${hex(cursor)}`,
      );
    }
  }
  for (const vma of kernel) {
    if (!vma.user) continue;
    let cursor = vma.start;
    for (const mapping of listed) {
      if (mapping.end <= cursor || mapping.start >= vma.end) continue;
      if (mapping.start > cursor) break;
      cursor = mapping.end;
    }
    if (cursor < vma.end) {
      throw new Error(
        `the kernel has ${hex(vma.start)}-${hex(vma.end)} ${vma.perms} mapped, node-posix lists nothing at ${hex(cursor)}`,
      );
    }
  }
}

function describe(mapping: MappingInfo | undefined): string {
  return mapping ? `${hex(mapping.start)}-${hex(mapping.end)} ${mapping.prot}` : "nothing";
}

/** The memory calls after which {@link checkedFactory} checks the kernel. */
const CALLS = new Set([
  "dzmmap",
  "dzmmapAnywhere",
  "dzmmapPreferred",
  "munmap",
  "mremap",
  "setMemoryAccess",
  "madvise",
  "setAnnotation",
  "write",
  "fill",
]);

/**
 * How many instances get the check after every call. Reading and parsing
 * `/proc/self/maps` twice per call costs milliseconds: at CI's model volume
 * (2600 sequences of 100 calls) checking every call of every sequence took
 * over 20 minutes. Every conformance case and the first model sequences are
 * checked after every call; after that, one instance in {@link SAMPLE_EVERY}
 * is (the model still compares the table with its own state after every step).
 */
const CHECK_ALL_FIRST = 400;
const SAMPLE_EVERY = 10;

/**
 * Wraps `factory` so that every memory call on its instances, whether it
 * succeeds or throws, is followed by {@link expectKernelAgrees} (on the first
 * {@link CHECK_ALL_FIRST} instances and one in {@link SAMPLE_EVERY} after them).
 */
export function checkedFactory(factory: () => NodePosix): () => NodePosix {
  let made = 0;
  return () => {
    const os = factory();
    made++;
    if (made > CHECK_ALL_FIRST && made % SAMPLE_EVERY !== 0) return os;
    return new Proxy(os, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (typeof key !== "string" || !CALLS.has(key) || typeof value !== "function") {
          return typeof value === "function" ? value.bind(target) : value;
        }
        return (...args: unknown[]) => {
          try {
            return value.apply(target, args);
          } finally {
            expectKernelAgrees(target);
          }
        };
      },
    });
  };
}
