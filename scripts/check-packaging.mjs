// Checks that every @osal package is something a stranger can install:
// publint (strict) and arethetypeswrong (ESM-only profile) clean, `npm pack`
// ships only what it should, and `changeset version` works on a throwaway copy.
// Run after a build: `npm run check:packaging`.
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { packagesDir, publicPackages, root, run } from "./packages.mjs";

/** What a package tarball may contain, besides package.json and README.md. */
const allowed = [
  /^dist\//,
  /^src\//,
  /^include\//,
  /^wasm\//,
  /^c\//,
  /^build\//,
  /^build\.sh$/,
  // wasm-guest's drop-in integration: the link libraries, the Emscripten JS
  // library, the flags command and the script that rebuilds the libraries.
  /^lib\/(wasi|emscripten)\/libosal-mman\.a$/,
  /^emscripten\/osal-library\.js$/,
  /^bin\//,
  /^scripts\/build-lib\.sh$/,
  /^README\.md$/,
  /^package\.json$/,
  /^LICENSE$/,
];
const forbidden = [/\.test\./, /\.bench\./, /tsbuildinfo$/, /^test\//, /^bench\//];

const problems = [];

for (const { dir, pkg } of publicPackages()) {
  process.stdout.write(`${pkg.name}: `);
  try {
    run("npx", ["publint", "--strict"], dir);
  } catch (error) {
    problems.push(`${pkg.name}: publint: ${error.stdout}${error.stderr}`);
  }
  try {
    // Non-JavaScript exports (a .wasm file) have no types to check.
    // Nor do wildcard exports of files and the Emscripten JS library (an input to
    // emcc's --js-library, never imported).
    const assets = Object.keys(pkg.exports ?? {}).filter(
      (key) => /\.(wasm|h|json)$/.test(key) || key.includes("*") || key.endsWith(".js"),
    );
    const exclude = assets.length > 0 ? ["--exclude-entrypoints", ...assets] : [];
    run(
      "npx",
      ["attw", "--pack", ".", "--profile", "esm-only", "--format", "ascii", ...exclude],
      dir,
    );
  } catch (error) {
    problems.push(`${pkg.name}: attw: ${error.stdout}${error.stderr}`);
  }
  const [packed] = JSON.parse(run("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], dir));
  const files = packed.files.map((f) => f.path);
  for (const file of files) {
    if (!allowed.some((re) => re.test(file)) || forbidden.some((re) => re.test(file))) {
      problems.push(`${pkg.name}: npm pack would ship ${file}`);
    }
  }
  if (!files.includes("dist/index.js") || !files.includes("dist/index.d.ts")) {
    problems.push(`${pkg.name}: npm pack is missing dist/index.js or dist/index.d.ts`);
  }
  if (!files.includes("README.md")) problems.push(`${pkg.name}: no README.md in the package`);
  const folder = `packages/${dir.slice(packagesDir.length + 1)}`;
  if (
    !pkg.repository?.url ||
    pkg.repository.directory !== folder ||
    !pkg.homepage ||
    !pkg.bugs?.url
  ) {
    problems.push(
      `${pkg.name}: package.json needs repository (directory ${folder}), homepage, bugs`,
    );
  }
  console.log(`${files.length} files, ${packed.size} bytes packed`);
}

// `changeset version` on a throwaway copy of the repository's tracked files.
const scratch = mkdtempSync(join(tmpdir(), "osal-changeset-"));
try {
  const tracked = run("git", ["ls-files"], root).split("\n").filter(Boolean);
  for (const file of tracked) cpSync(join(root, file), join(scratch, file), { recursive: true });
  cpSync(join(root, "node_modules"), join(scratch, "node_modules"), {
    recursive: true,
    verbatimSymlinks: true,
  });
  run("git", ["init", "-q"], scratch);
  run(join(root, "node_modules/.bin/changeset"), ["version"], scratch);
  const bumped = readdirSync(join(scratch, "packages")).filter((name) => {
    const before = JSON.parse(
      readFileSync(join(packagesDir, name, "package.json"), "utf8"),
    ).version;
    const after = JSON.parse(
      readFileSync(join(scratch, "packages", name, "package.json"), "utf8"),
    ).version;
    return before !== after;
  });
  console.log(`changeset version: bumps ${bumped.length} packages (${bumped.join(", ")})`);
} catch (error) {
  problems.push(`changeset version failed: ${error.stdout ?? ""}${error.stderr ?? error.message}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`\npackaging problems:\n${problems.join("\n")}`);
  process.exit(1);
}
console.log("packaging: all packages clean");
