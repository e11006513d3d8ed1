// CONTRIBUTING: "Packages import each other by name". Fails when a source file
// of one workspace (packages/*, tests/*, examples/*) reaches into another by a
// relative path (`../../../packages/x/test/...`), in an import, an export-from,
// a dynamic `import()`, a `new URL(…, import.meta.url)` or a `vi.mock`. Such a path
// works in the repository and nowhere else, bypasses the other package's
// `exports`, and hides a dependency turbo and npm cannot see. Run by `npm run
// lint` and `npm test`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { root, workspaceDirs } from "./packages.mjs";

const skipped = new Set(["node_modules", "dist", "build", ".turbo", "docs"]);

/** Every script file under `dir`, outside build outputs and node_modules. */
function scriptFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return skipped.has(name) ? [] : scriptFiles(path);
    return /\.(m?[jt]sx?|cjs|cts)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

// Module specifiers: static imports and re-exports, `import("…")`, `new URL("…",
// import.meta.url)`, `vi.mock("…")` / `vi.importActual("…")`.
const patterns = [
  /\b(?:import|export)\s[^;]*?\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']/g,
  /\bnew\s+URL\s*\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url/g,
  /\bvi\.(?:mock|doMock|importActual)\s*\(\s*["']([^"']+)["']/g,
];

const problems = [];
for (const workspace of workspaceDirs()) {
  for (const file of scriptFiles(workspace)) {
    const text = readFileSync(file, "utf8");
    for (const pattern of patterns) {
      for (const match of text.matchAll(pattern)) {
        const specifier = match[1];
        if (!specifier.startsWith(".")) continue;
        const target = resolve(dirname(file), specifier.replace(/\?.*$/, ""));
        if (target === workspace || target.startsWith(workspace + sep)) continue;
        const line = text.slice(0, match.index).split("\n").length;
        problems.push(
          `${relative(root, file)}:${line} "${specifier}" leaves ${relative(root, workspace)}`,
        );
      }
    }
  }
}

if (problems.length > 0) {
  console.error(
    `check-import-boundaries: ${problems.length} relative paths into another package (import it by name):`,
  );
  for (const problem of problems) console.error(`  ${problem}`);
  process.exitCode = 1;
} else {
  console.log("check-import-boundaries: no relative path leaves its package");
}
