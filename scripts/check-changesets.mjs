// CONTRIBUTING: "Every user-visible change gets a changeset". The rule, which
// needs no base branch and so holds in a fresh clone, on a branch or on main:
//
//   A published package whose shipped files changed since its last release has a
//   pending changeset (.changeset/*.md) that names it.
//
// "Its last release" is the git tag `changesets publish` makes, `<name>@<version>`
// for the version in its package.json. A package with no such tag was never
// released: its first release needs a changeset too, unless the version is already
// prepared (`changeset version` wrote it into CHANGELOG.md) and waits to be
// published. Shipped files are the package's files outside test/, bench/ and its
// vitest config. Every changeset must name only workspace packages with a bump of
// patch, minor or major. Needs the tags and their history: in a shallow clone run
// `git fetch --unshallow --tags` first (.ci/run does).
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { publicPackages, root, run, workspaceDirs } from "./packages.mjs";

const git = (...args) => run("git", args, root).trim();

if (git("rev-parse", "--is-shallow-repository") === "true") {
  console.error("check-changesets: shallow clone; run `git fetch --unshallow --tags` first");
  process.exit(1);
}

const workspaceNames = new Set(
  workspaceDirs().map((dir) => JSON.parse(readFileSync(join(dir, "package.json"), "utf8")).name),
);

/** Package name -> the pending changeset files that name it. */
const pending = new Map();
const problems = [];
const changesetDir = join(root, ".changeset");
for (const file of readdirSync(changesetDir).filter(
  (f) => f.endsWith(".md") && f !== "README.md",
)) {
  const text = readFileSync(join(changesetDir, file), "utf8");
  const front = /^---\r?\n([\s\S]*?)\r?\n---/.exec(text);
  if (front === null) {
    problems.push(`.changeset/${file}: no frontmatter`);
    continue;
  }
  for (const line of front[1].split(/\r?\n/).filter((l) => l.trim() !== "")) {
    const entry = /^\s*["']?(@?[^"':]+)["']?\s*:\s*(patch|minor|major)\s*$/.exec(line);
    if (entry === null) {
      problems.push(
        `.changeset/${file}: cannot read "${line.trim()}" (want "name": patch|minor|major)`,
      );
      continue;
    }
    const name = entry[1];
    if (!workspaceNames.has(name))
      problems.push(`.changeset/${file}: no workspace package ${name}`);
    pending.set(name, [...(pending.get(name) ?? []), file]);
  }
}

/** True for a path (relative to the package) that ships or changes what ships. */
const shipped = (path) =>
  !/^(test|bench)\//.test(path) && !/^vitest\.config\.[cm]?[jt]s$/.test(path);

for (const { dir, pkg } of publicPackages()) {
  if (pending.has(pkg.name)) continue;
  const tag = `${pkg.name}@${pkg.version}`;
  const tagged = git("tag", "--list", tag) === tag;
  if (!tagged) {
    const changelog = join(dir, "CHANGELOG.md");
    const prepared =
      existsSync(changelog) && readFileSync(changelog, "utf8").includes(`## ${pkg.version}\n`);
    if (!prepared) {
      problems.push(
        `${pkg.name}: never released (no tag ${tag}) and no pending changeset names it`,
      );
    }
    continue;
  }
  const changed = git("diff", "--name-only", tag, "HEAD", "--", relative(root, dir))
    .split("\n")
    .filter(Boolean)
    .map((path) => relative(relative(root, dir), path))
    .filter(shipped);
  if (changed.length > 0) {
    problems.push(
      `${pkg.name}: ${changed.length} shipped files changed since ${tag} (${changed.slice(0, 3).join(", ")}${changed.length > 3 ? ", …" : ""}) and no pending changeset names it`,
    );
  }
}

if (problems.length > 0) {
  console.error(`check-changesets: ${problems.length} problems (add one with \`npx changeset\`):`);
  for (const problem of problems) console.error(`  ${problem}`);
  process.exitCode = 1;
} else {
  console.log(
    `check-changesets: every changed published package has a pending changeset (${pending.size} named)`,
  );
}
