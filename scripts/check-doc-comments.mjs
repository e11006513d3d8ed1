// CONTRIBUTING: "Every export has a doc comment that states the contract".
// Checks every exported declaration in packages/*/src (functions, classes,
// interfaces, type aliases, enums, variables) has a `/** … */` comment.
// Re-exports (`export { x } from`) are checked where x is declared; members are
// left to review (a class method implementing `OSMemory` is documented on the
// interface). Run by `npm run lint` and `npm test`.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { packagesDir, root } from "./packages.mjs";

/** Every .ts file under `dir` (recursively), skipping generated code. */
function sourceFiles(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "generated" ? [] : sourceFiles(path);
    return /\.(m?ts|tsx)$/.test(name) && !name.endsWith(".d.ts") ? [path] : [];
  });
}

const hasDoc = (node, text) =>
  (ts.getLeadingCommentRanges(text, node.getFullStart()) ?? []).some(
    (range) => text.slice(range.pos, range.pos + 3) === "/**",
  );

const isExported = (node) => (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export) !== 0;

function declarationName(node) {
  if (ts.isVariableStatement(node)) {
    return node.declarationList.declarations.map((d) => d.name.getText()).join(", ");
  }
  return node.name?.getText() ?? "default";
}

/** The undocumented exports of one file, as `path:line name` strings. */
function undocumented(file) {
  const text = readFileSync(file, "utf8");
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const where = (node) =>
    `${relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`;
  const problems = [];
  for (const statement of source.statements) {
    const declaration =
      ts.isFunctionDeclaration(statement) ||
      ts.isClassDeclaration(statement) ||
      ts.isInterfaceDeclaration(statement) ||
      ts.isTypeAliasDeclaration(statement) ||
      ts.isEnumDeclaration(statement) ||
      ts.isVariableStatement(statement);
    if (!declaration || !isExported(statement)) continue;
    const name = declarationName(statement);
    // An overloaded function is documented once, on its first signature.
    if (ts.isFunctionDeclaration(statement) && statement.body !== undefined) {
      const previous = source.statements[source.statements.indexOf(statement) - 1];
      if (previous && ts.isFunctionDeclaration(previous) && previous.name?.getText() === name) {
        continue;
      }
    }
    if (!hasDoc(statement, text)) problems.push(`${where(statement)} ${name}`);
  }
  return problems;
}

const problems = readdirSync(packagesDir)
  .sort()
  .flatMap((name) => {
    const src = join(packagesDir, name, "src");
    try {
      statSync(src);
    } catch {
      return [];
    }
    return sourceFiles(src).flatMap(undocumented);
  });

if (problems.length > 0) {
  console.error(
    `check-doc-comments: ${problems.length} exported declarations without a /** doc comment */:`,
  );
  for (const problem of problems) console.error(`  ${problem}`);
  process.exitCode = 1;
} else {
  console.log("check-doc-comments: every export in packages/*/src has a doc comment");
}
