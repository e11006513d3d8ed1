import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const src = fileURLToPath(new URL("../src/", import.meta.url));

/** Every module specifier a source file imports or re-exports from. */
function importsOf(file: string): string[] {
  const text = readFileSync(src + file, "utf8");
  const specifiers = [...text.matchAll(/(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/g)];
  const bare = [...text.matchAll(/(?:^|\n)\s*import\s+"([^"]+)"/g)];
  const dynamic = [...text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)];
  return [...specifiers, ...bare, ...dynamic].map((match) => match[1]!);
}

const files = readdirSync(src).filter((file) => file.endsWith(".ts"));
const heapFiles = files.filter((file) => file.startsWith("heap"));

describe("what the source imports", () => {
  it("finds the heap files", () => {
    expect(heapFiles).toEqual(
      expect.arrayContaining([
        "heap.ts",
        "heap-blocks.ts",
        "heap-collector.ts",
        "heap-errors.ts",
        "heap-object.ts",
        "heap-options.ts",
      ]),
    );
  });

  it.each(heapFiles)("%s imports only @osal/core and other heap files", (file) => {
    const imports = importsOf(file);
    expect(imports).toContain("@osal/core");
    for (const specifier of imports) {
      expect(specifier === "@osal/core" || /^\.\/heap[\w-]*\.js$/.test(specifier), specifier).toBe(
        true,
      );
    }
  });

  it("names a backend only in targets.ts, and never the devDependency mock-unix", () => {
    for (const file of files) {
      const backends = importsOf(file).filter((s) => s.startsWith("@osal/") && s !== "@osal/core");
      expect(backends, file).toEqual(file === "targets.ts" ? ["@osal/wasm-page-manager"] : []);
    }
  });
});
