// What the packaging scripts share: where the repository is, how they run a
// command, and which packages are published.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The repository root. */
export const root = new URL("..", import.meta.url).pathname;

/** Where the packages are. */
export const packagesDir = join(root, "packages");

/** Runs `cmd args` in `cwd` and returns its stdout; throws (with stdout and stderr) on failure. */
export const run = (cmd, args, cwd) =>
  execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Every package that is published (not `private`), by folder name: `{ dir, pkg }`. */
export function publicPackages() {
  return readdirSync(packagesDir)
    .sort()
    .map((name) => {
      const dir = join(packagesDir, name);
      return { dir, pkg: JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) };
    })
    .filter(({ pkg }) => !pkg.private);
}

/** Every workspace folder (package.json's `workspaces` globs, `dir/*` form), absolute. */
export function workspaceDirs() {
  const globs = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).workspaces;
  return globs.flatMap((glob) => {
    const parent = join(root, glob.replace(/\/\*$/, ""));
    return readdirSync(parent, { withFileTypes: true })
      .filter(
        (entry) => entry.isDirectory() && existsSync(join(parent, entry.name, "package.json")),
      )
      .map((entry) => join(parent, entry.name));
  });
}
