import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type GuestMman, type GuestToolchain, guestUrl, guestWorkloads } from "../src/index.js";

const toolchains: GuestToolchain[] = ["wasi", "emscripten"];
const mmans: GuestMman[] = ["osal", "libc"];

describe("guestUrl", () => {
  for (const workload of guestWorkloads) {
    for (const toolchain of toolchains) {
      for (const mman of mmans) {
        it(`${workload} ${toolchain} ${mman}: a committed, valid WebAssembly build`, () => {
          const file = fileURLToPath(guestUrl(workload, toolchain, mman));
          expect(existsSync(file)).toBe(true);
          const wasm = toolchain === "wasi" ? file : file.replace(/\.js$/, ".wasm");
          const module = new WebAssembly.Module(readFileSync(wasm));
          const imports = WebAssembly.Module.imports(module).map((i) => i.module);
          // The osal builds import the osal module; the libc builds never do.
          expect(imports.includes("osal")).toBe(mman === "osal");
        });
      }
    }
  }

  it("an Emscripten loader is CommonJS, loadable with require", () => {
    const require = createRequire(import.meta.url);
    const factory = require(fileURLToPath(guestUrl("sgen", "emscripten", "osal")));
    expect(typeof factory).toBe("function");
  });

  it("an unknown name is a RangeError", () => {
    expect(() => guestUrl("php" as never, "wasi", "osal")).toThrow(RangeError);
    expect(() => guestUrl("zend", "wasix" as never, "osal")).toThrow(RangeError);
    expect(() => guestUrl("zend", "wasi", "both" as never)).toThrow(RangeError);
  });
});
