import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { guestFlags } from "../src/flags.js";

const bin = fileURLToPath(new URL("../bin/osal-guest-flags.js", import.meta.url));
const flags = (...args: string[]) =>
  execFileSync("node", [bin, ...args])
    .toString()
    .trim();

describe("osal-guest-flags", () => {
  it.each([
    "wasi",
    "emscripten",
  ] as const)("prints what guestFlags(%s) gives, with paths that exist", (toolchain) => {
    const expected = guestFlags(toolchain);
    expect(flags("--cflags", "--toolchain", toolchain)).toBe(expected.cflags.join(" "));
    expect(flags("--libs", "--toolchain", toolchain)).toBe(expected.libs.join(" "));
    expect(flags("--toolchain", toolchain)).toBe([...expected.cflags, ...expected.libs].join(" "));
    const paths = [...expected.cflags, ...expected.libs]
      .map((f) => f.replace(/^-[IL]/, ""))
      .filter((f) => f.startsWith("/"));
    for (const path of paths) expect(existsSync(path), path).toBe(true);
    const dir = expected.libs.find((f) => f.startsWith("-L"))?.slice(2);
    expect(existsSync(`${dir}/libosal-mman.a`)).toBe(true);
  });

  it("refuses unknown arguments and toolchains", () => {
    expect(() => execFileSync("node", [bin, "--toolchain", "gcc"], { stdio: "pipe" })).toThrow(
      /toolchain gcc: use wasi or emscripten/,
    );
    expect(() => execFileSync("node", [bin, "--frob"], { stdio: "pipe" })).toThrow(
      /unknown argument --frob/,
    );
  });
});
