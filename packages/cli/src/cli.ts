import { demoCommand } from "./commands/demo.js";

/** Where the CLI writes. Injected so tests can capture output. */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
}

const USAGE = `usage: osal <command>

commands:
  demo     an MMTk-style heap on mock-unix: quarantine, chunks, side metadata, memory map
  help     this text
`;

/** Runs the `osal` command with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command = "help"] = argv;
  switch (command) {
    case "demo":
      io.out(demoCommand());
      return 0;
    case "help":
    case "--help":
    case "-h":
      io.out(USAGE);
      return 0;
    default:
      io.err(`osal: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}
