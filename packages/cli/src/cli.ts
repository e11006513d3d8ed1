import type { CliIo } from "./cli-io.js";
import { benchCommand } from "./commands/bench.js";
import { demoCommand } from "./commands/demo.js";
import { mapsCommand } from "./commands/maps.js";
import { UsageError } from "./options/list-option.js";

export type { CliIo } from "./cli-io.js";

const USAGE = `usage: osal <command> [options]

commands:
  bench    every workload on every backend and peer: tables, footprint charts, memory maps
  maps     the memory map of one backend at a given step of one workload (SVG)
  demo     an MMTk-style heap on mock-unix: quarantine, chunks, side metadata, memory map
  help     this text

osal <command> --help shows a command's options.
`;

/** Runs the `osal` command with `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const [command = "help", ...rest] = argv;
  try {
    switch (command) {
      case "bench":
        return await benchCommand(rest, io);
      case "maps":
        return await mapsCommand(rest, io);
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
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`osal ${command}: ${error.message}\n(osal ${command} --help lists the options)\n`);
    return 2;
  }
}
