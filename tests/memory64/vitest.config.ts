import { fork } from "node:child_process";
import { defineProject } from "vitest/config";
import { ForksPoolWorker, type PoolOptions } from "vitest/node";
import { node24Path } from "./node24.js";

/**
 * Vitest's forks pool, but each fork runs on Node 24 (its `execPath`), so the
 * tests of this project run there while vitest itself and every other project
 * stay on Node 20. The fork is made here, the same way the base class makes it
 * (same entry point, arguments, environment and IPC), and the base class
 * keeps it (`start` reuses an existing fork).
 */
class Node24ForksWorker extends ForksPoolWorker {
  override readonly name = "node24";
  readonly #execArgv: string[];
  readonly #env: PoolOptions["env"];

  constructor(options: PoolOptions) {
    super(options);
    this.#execArgv = options.execArgv;
    this.#env = options.env;
  }

  override async start(): Promise<void> {
    const self = this as unknown as { _fork?: ReturnType<typeof fork> };
    self._fork ??= fork(this.entrypoint, [], {
      env: this.#env,
      execArgv: this.#execArgv,
      execPath: node24Path(),
      stdio: "pipe",
      serialization: "advanced",
    });
    await super.start();
  }
}

export default defineProject({
  test: {
    name: "memory64",
    include: ["test/**/*.test.ts"],
    pool: { name: "node24", createPoolWorker: (options) => new Node24ForksWorker(options) },
  },
});
