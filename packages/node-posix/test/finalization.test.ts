import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../dist/index.js", import.meta.url));

/**
 * An instance that is never closed has its arena unmapped once it is garbage
 * collected (a `FinalizationRegistry`). Run in a child Node with `--expose-gc`
 * against the built package (`npm test` builds before testing).
 */
describe("node-posix without close()", () => {
  it("gives the arena back when the instance is collected", () => {
    expect(existsSync(dist), `build the package first: ${dist} is missing`).toBe(true);
    const script = `
      import { readFileSync } from "node:fs";
      const { createNodePosix } = await import(${JSON.stringify(dist)});
      const listed = (start) => readFileSync("/proc/self/maps", "latin1").split("\\n")
        .some((line) => line && Number.parseInt(line.split("-")[0], 16) <= start && start < Number.parseInt(line.split("-")[1], 16));
      let os = createNodePosix({ arenaSize: 64 * 2 ** 20 });
      const start = os.arenaStart;
      os.fill(os.dzmmapAnywhere(4096, 4096, { hugePage: "No", prot: "ReadWrite", replace: false, reserve: true }), 8, 1);
      const before = listed(start);
      os = undefined;
      for (let i = 0; i < 20 && listed(start); i++) {
        globalThis.gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      console.log(JSON.stringify({ before, after: listed(start) }));
    `;
    const output = execFileSync(
      process.execPath,
      ["--expose-gc", "--input-type=module", "-e", script],
      {
        encoding: "utf8",
      },
    );
    expect(JSON.parse(output.trim().split("\n").at(-1)!)).toEqual({ before: true, after: false });
  });
});
