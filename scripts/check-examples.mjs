// Every TypeScript and C example in every README of the repository, checked:
// TypeScript blocks (```ts, ```typescript) are type-checked with the repository's
// strict settings against the built packages (run `npm run build` first; `npm run
// check:examples` does), C blocks (```c) are compiled with clang for wasm32-wasi
// with `@osal/wasm-guest`'s include folder. Exits 1, naming README and line, when
// an example does not check.
//
// A fragment that assumes names from its surroundings says so in a comment
// just before its fence, which Markdown does not show:
//   <!-- example-prelude: declare const memory: WebAssembly.Memory; -->
//     code put before the block (declarations of what it assumes);
//   <!-- example-in: src -->
//     the block is checked as a file in that folder (relative to the README),
//     so its relative imports (`./heap.js`) resolve.
//
// Before the READMEs, it checks itself: a TypeScript and a C example with an
// error must fail, so a checker that passes everything cannot go unnoticed.
//
//   node scripts/check-examples.mjs

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const tsLanguages = new Set(["ts", "typescript"]);
const cLanguages = new Set(["c"]);

/**
 * The ts and c code blocks of a Markdown text, with their directives.
 * @param {string} text
 * @returns {{ language: "ts" | "c", line: number, code: string, prelude: string, folder: string }[]}
 */
export function extractExamples(text) {
  const lines = text.split("\n");
  const blocks = [];
  for (let at = 0; at < lines.length; at++) {
    const fence = /^(\s*)(`{3,}|~{3,})\s*([A-Za-z]+)?\s*$/.exec(lines[at]);
    if (!fence) continue;
    const [, indent, marks, info = ""] = fence;
    const end = lines.findIndex(
      (line, index) => index > at && line.trimEnd() === `${indent}${marks}`,
    );
    const close = end < 0 ? lines.length : end;
    const language = info.toLowerCase();
    if (tsLanguages.has(language) || cLanguages.has(language)) {
      const directives = directivesBefore(lines, at);
      blocks.push({
        language: tsLanguages.has(language) ? "ts" : "c",
        line: at + 2,
        code: lines
          .slice(at + 1, close)
          .map((line) => line.slice(indent.length))
          .join("\n"),
        prelude: directives.prelude,
        folder: directives.folder,
      });
    }
    at = close;
  }
  return blocks;
}

/** The `example-prelude` / `example-in` comments on the lines just above line `at`. */
function directivesBefore(lines, at) {
  const found = { prelude: "", folder: "" };
  for (let index = at - 1; index >= 0; index--) {
    const comment = /^\s*<!--\s*example-(prelude|in):\s*([\s\S]*?)\s*-->\s*$/.exec(lines[index]);
    if (!comment) break;
    if (comment[1] === "prelude") found.prelude = `${comment[2]}\n${found.prelude}`;
    else found.folder = comment[2];
  }
  return found;
}

/** Every README.md git tracks, repository-relative. */
function readmes() {
  const listed = spawnSync("git", ["ls-files", "--", "README.md", "**/README.md"], {
    cwd: root,
    encoding: "utf8",
  });
  if (listed.status !== 0) throw new Error(`git ls-files failed: ${listed.stderr}`);
  return listed.stdout.split("\n").filter((path) => path !== "" && !path.includes("node_modules"));
}

/**
 * Writes each example to a file beside its README (or in its `example-in`
 * folder), checks them all, removes the files, and returns the failures.
 * @param {{ readme: string, example: ReturnType<typeof extractExamples>[number] }[]} examples
 */
export function checkExamples(examples) {
  const written = [];
  const failures = [];
  try {
    const ts = [];
    examples.forEach(({ readme, example }, index) => {
      const folder = join(root, dirname(readme), example.folder);
      const file = join(folder, `.readme-example-${index}.${example.language}`);
      const preludeLines = example.prelude === "" ? 0 : example.prelude.split("\n").length - 1;
      const body =
        example.language === "ts"
          ? `${example.prelude}${example.code}\nexport {};\n`
          : `${example.prelude}${example.code}\n`;
      mkdirSync(folder, { recursive: true });
      writeFileSync(file, body);
      written.push(file);
      const where = { readme, line: example.line, file, offset: preludeLines };
      if (example.language === "ts") ts.push(where);
      else failures.push(...compileC(where));
    });
    if (ts.length > 0) failures.push(...typeCheck(ts));
  } finally {
    for (const file of written) rmSync(file, { force: true });
    rmSync(join(root, ".readme-examples.tsconfig.json"), { force: true });
  }
  return failures;
}

/** Type-checks the files in one `tsc` run; maps its diagnostics back to README lines. */
function typeCheck(files) {
  const config = join(root, ".readme-examples.tsconfig.json");
  writeFileSync(
    config,
    JSON.stringify({
      extends: "./tsconfig.base.json",
      compilerOptions: { noEmit: true, types: ["node"], lib: ["ES2022", "DOM"] },
      files: files.map((f) => relative(root, f.file)),
    }),
  );
  const tsc = spawnSync(
    process.execPath,
    [join(root, "node_modules/typescript/bin/tsc"), "-p", config, "--pretty", "false"],
    { cwd: root, encoding: "utf8" },
  );
  if (tsc.status === 0) return [];
  const failures = [];
  const output = `${tsc.stdout}${tsc.stderr}`;
  for (const line of output.split("\n")) {
    const diagnostic = /^(.+?)\((\d+),(\d+)\): (.*)$/.exec(line);
    const at = diagnostic && files.find((f) => resolve(root, diagnostic[1]) === f.file);
    if (!at) {
      if (line.trim() !== "" && !/^\s/.test(line)) failures.push(`tsc: ${line}`);
      continue;
    }
    const readmeLine = at.line + Number(diagnostic[2]) - 1 - at.offset;
    failures.push(`${at.readme}:${readmeLine}: ${diagnostic[4]}`);
  }
  if (failures.length === 0) failures.push(`tsc failed: ${output.trim()}`);
  return failures;
}

/** Compiles one C example (syntax and types, no link) for wasm32-wasi. */
function compileC(where) {
  const clang = process.env.CLANG ?? "clang";
  const run = spawnSync(
    clang,
    [
      "--target=wasm32-wasi",
      "-std=c11",
      "-Wall",
      "-Wextra",
      "-Werror",
      "-fsyntax-only",
      // The flags a user gets from the package (the drop-in <sys/mman.h>,
      // <sys/prctl.h> and osal/mman.h), as the READMEs tell them to.
      `-I${join(root, "packages/wasm-guest/include/libc")}`,
      `-I${join(root, "packages/wasm-guest/include")}`,
      where.file,
    ],
    { cwd: root, encoding: "utf8" },
  );
  if (run.error) {
    return [
      `${where.readme}:${where.line}: cannot run ${clang} (${run.error.message}); install clang and wasi-libc`,
    ];
  }
  if (run.status === 0) return [];
  const failures = [];
  for (const line of run.stderr.split("\n")) {
    const diagnostic = /^(.+?):(\d+):(\d+): (error|warning): (.*)$/.exec(line);
    if (diagnostic && resolve(root, diagnostic[1]) === where.file) {
      const readmeLine = where.line + Number(diagnostic[2]) - 1 - where.offset;
      failures.push(`${where.readme}:${readmeLine}: ${diagnostic[5]}`);
    }
  }
  if (failures.length === 0) failures.push(`${where.readme}:${where.line}: ${run.stderr.trim()}`);
  return failures;
}

/** The checker must catch a broken example of each language, and pass a good one. */
function selfTest() {
  const sample = [
    "```ts",
    'import { MiB } from "@osal/core";',
    "const size: number = MiB;",
    "```",
    "<!-- example-prelude: declare const given: string; -->",
    "```ts",
    "const bad: number = given;",
    "```",
    "```c",
    "int broken(void) { return missing_name; }",
    "```",
  ].join("\n");
  const examples = extractExamples(sample).map((example) => ({
    readme: "scripts/check-examples.mjs (self-test)",
    example,
  }));
  const failures = checkExamples(examples);
  const expected = [
    /:7: error TS2322: Type 'string' is not assignable to type 'number'/,
    /:10: use of undeclared identifier 'missing_name'/,
  ];
  const ok =
    examples.length === 3 &&
    failures.length === expected.length &&
    expected.every((pattern) => failures.some((failure) => pattern.test(failure)));
  if (!ok) {
    console.error("check-examples: the self-test did not get the failures it should:");
    console.error(failures.join("\n") || "(none)");
    process.exit(1);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  selfTest();
  const examples = readmes().flatMap((readme) =>
    extractExamples(readFileSync(join(root, readme), "utf8")).map((example) => ({
      readme,
      example,
    })),
  );
  const failures = checkExamples(examples);
  const counts = `${examples.filter((e) => e.example.language === "ts").length} TypeScript, ${
    examples.filter((e) => e.example.language === "c").length
  } C`;
  if (failures.length > 0) {
    console.error(`check-examples: README examples that do not check (of ${counts}):`);
    for (const failure of failures) console.error(`  ${failure}`);
    process.exit(1);
  }
  console.log(`check-examples: ${counts} README examples check`);
}
