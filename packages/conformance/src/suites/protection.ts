import { MmapProtection, MmapStrategy } from "@osal/core";
import { expect } from "vitest";
import type { ConformanceGroup } from "../conformance-case.js";
import { expectBytes, expectFailsCleanly, expectFault } from "../expectations.js";
import { freeRange, mapPages, mapPattern, mapWithHoleAfter } from "../fixtures.js";
import { listedAt } from "../listing.js";

/**
 * `setMemoryAccess` (mprotect) and the access API's protection checks. Whether
 * raw memory is protected is `enforcesProtection`; the access API refuses
 * `NoAccess` pages on every backend.
 */
export const protectionGroup: ConformanceGroup = {
  title: "protection",
  cases: [
    {
      name: "read, write and fill of NoAccess memory throw MemoryFault (EFAULT)",
      run(os) {
        const p = os.pageSize;
        const start = mapPages(os, 2, MmapStrategy.DEFAULT.withProt(MmapProtection.NoAccess));
        expect(listedAt(os, start)?.prot).toBe(MmapProtection.NoAccess);
        expectFault(() => os.read(start, 8), "protection", start);
        expectFault(() => os.write(start + p, new Uint8Array([1])), "protection", start + p);
        expectFault(() => os.fill(start, 2 * p, 1), "protection", start);
      },
    },
    {
      name: "QUARANTINE memory is listed NoAccess and unreserved, and faults",
      run(os) {
        const start = mapPages(os, 4, MmapStrategy.QUARANTINE);
        expect(listedAt(os, start)).toMatchObject({
          prot: MmapProtection.NoAccess,
          reserve: false,
        });
        expectFault(() => os.read(start, 1), "protection", start);
      },
    },
    {
      name: "protection round trip: NoAccess faults, ReadWrite again gives back the same bytes",
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 2, 51);
        os.setMemoryAccess(m.start, 2 * p, MmapProtection.NoAccess);
        expect(listedAt(os, m.start)?.prot).toBe(MmapProtection.NoAccess);
        expectFault(() => os.read(m.start, 1), "protection", m.start);
        expectFault(() => os.write(m.start, new Uint8Array([0])), "protection", m.start);
        os.setMemoryAccess(m.start, 2 * p, MmapProtection.ReadWrite);
        expectBytes(os, m.start, m.bytes);
        os.fill(m.start, 1, 0x5a);
        expect(os.read(m.start, 1)[0]).toBe(0x5a);
      },
    },
    {
      name: "ReadWriteExec keeps memory readable and writable",
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 1, 52);
        os.setMemoryAccess(m.start, p, MmapProtection.ReadWriteExec);
        expect(listedAt(os, m.start)?.prot).toBe(MmapProtection.ReadWriteExec);
        expectBytes(os, m.start, m.bytes);
        os.fill(m.start, p, 3);
        expect(os.read(m.start + p - 1, 1)[0]).toBe(3);
      },
    },
    {
      name: "setMemoryAccess on part of a mapping changes only that part",
      run(os) {
        const p = os.pageSize;
        const m = mapPattern(os, 3, 53);
        os.setMemoryAccess(m.start + p, p, MmapProtection.NoAccess);
        expect(listedAt(os, m.start)?.prot).toBe(MmapProtection.ReadWrite);
        expect(listedAt(os, m.start + p)?.prot).toBe(MmapProtection.NoAccess);
        expect(listedAt(os, m.start + 2 * p)?.prot).toBe(MmapProtection.ReadWrite);
        expectBytes(os, m.start, m.bytes.subarray(0, p));
        expectBytes(os, m.start + 2 * p, m.bytes.subarray(2 * p));
        expectFault(() => os.read(m.start + p - 1, 2), "protection", m.start + p);
      },
    },
    {
      name: "setMemoryAccess on an unmapped range fails with ENOMEM and changes nothing",
      run(os) {
        mapPattern(os, 1, 54);
        const start = freeRange(os, 2);
        expectFailsCleanly(
          os,
          () => os.setMemoryAccess(start, 2 * os.pageSize, MmapProtection.NoAccess),
          "ENOMEM",
        );
      },
    },
    {
      name: "setMemoryAccess on a partly unmapped range fails with ENOMEM and changes nothing",
      run(os, context) {
        const p = os.pageSize;
        const start = mapWithHoleAfter(os, 2, 1);
        if (start === undefined)
          return context.skip("needs partialUnmap, fixed or noReplace to make a hole");
        os.fill(start, 2 * p, 9);
        expectFailsCleanly(
          os,
          () => os.setMemoryAccess(start, 3 * p, MmapProtection.NoAccess),
          "ENOMEM",
        );
      },
    },
  ],
};
