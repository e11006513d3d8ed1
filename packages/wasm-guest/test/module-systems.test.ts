import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { programUrl } from "@osal/guests";
import { describe, expect, it } from "vitest";

/**
 * A program linked with the Emscripten integration runs from a CommonJS
 * script and from an ES module: the loader is CommonJS and never imports
 * @osal, it only calls the host it is given (`emscriptenOsal`), which either
 * kind of project loads (`import()` from CommonJS). Runs the built package
 * (`dist`) in a separate Node process, as a user's project would.
 */
const loader = fileURLToPath(programUrl("mman-selftest", "emscripten"));
const guestDist = new URL("../dist/index.js", import.meta.url);
const managerDist = pathToFileURL(
  createRequire(import.meta.url).resolve("@osal/wasm-page-manager"),
);

const body = `
  const osal = emscriptenOsal({
    backend: ({ memory, source }) => createWasmPageManager({ memory, source, pageSize: 4096 }),
  });
  const lines = [];
  // The build has -sEXIT_RUNTIME=1: keep its exit from ending this process.
  const quit = (_status, toThrow) => {
    throw toThrow;
  };
  await createProgram({ osal, quit, print: (l) => lines.push(l), printErr: () => {} }).ready;
  console.log(lines.find((l) => l.startsWith("SELFTEST-DONE")), osal.backend.pageSize);
`;

describe.runIf(existsSync(fileURLToPath(guestDist)))(
  "the Emscripten integration from both module systems",
  () => {
    it("runs from CommonJS (require the loader, import() osal) and from an ES module", () => {
      const dir = mkdtempSync(join(tmpdir(), "osal-modules-"));
      try {
        writeFileSync(
          join(dir, "run.cjs"),
          `const createProgram = require(${JSON.stringify(loader)});
(async () => {
  const { emscriptenOsal } = await import(${JSON.stringify(guestDist.href)});
  const { createWasmPageManager } = await import(${JSON.stringify(managerDist.href)});
  ${body}
})();`,
        );
        writeFileSync(
          join(dir, "run.mjs"),
          `import { createRequire } from "node:module";
import { emscriptenOsal } from ${JSON.stringify(guestDist.href)};
import { createWasmPageManager } from ${JSON.stringify(managerDist.href)};
const createProgram = createRequire(import.meta.url)(${JSON.stringify(loader)});
${body}`,
        );
        for (const script of ["run.cjs", "run.mjs"]) {
          const out = execFileSync("node", [join(dir, script)], { encoding: "utf8" }).trim();
          expect(out, script).toBe("SELFTEST-DONE 26 26 4096");
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }, 60_000);
  },
);
