import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import type { CliIo } from "./cli-io.js";
import { benchCommand, benchUsage } from "./commands/bench.js";
import { demoCommand, demoUsage } from "./commands/demo.js";
import { mapsCommand, mapsUsage } from "./commands/maps.js";
import { UsageError } from "./options/list-option.js";

export type { CliIo } from "./cli-io.js";

const USAGE = `usage: osal <command> [options]

commands:
  bench    every workload on every backend and peer: tables, footprint charts, memory maps
  maps     the memory map of one backend at a given step of one workload (SVG)
  demo     an MMTk-style heap on mock-unix: quarantine, chunks, side metadata, memory map
  help     this text

options:
  -h, --help       this text
  -V, --version    the version of @osal/cli

osal <command> --help shows a command's options.
`;

const helpUsage = `usage: osal help [command]

Prints the list of commands, or the options of one command.
`;

/** The usage text of each command, for `osal help <command>` and `osal <command> --help`. */
const usages: Readonly<Record<string, string>> = {
  bench: benchUsage,
  maps: mapsUsage,
  demo: demoUsage,
  help: helpUsage,
};

/** The version of this package, read from its package.json (beside `dist/` and `src/`). */
export function cliVersion(): string {
  const text = readFileSync(new URL("../package.json", import.meta.url), "utf8");
  return (JSON.parse(text) as { version: string }).version;
}

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
        if (noOptions("demo", rest)) io.out(demoUsage);
        else io.out(demoCommand());
        return 0;
      case "help":
        return help(rest, io);
      case "--help":
      case "-h":
        io.out(USAGE);
        return 0;
      case "--version":
      case "-V":
        io.out(`${cliVersion()}\n`);
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

/** `osal help [command]`: the command list, or one command's usage. */
function help(argv: readonly string[], io: CliIo): number {
  const isCommand = (a: string) => Object.hasOwn(usages, a);
  if (
    noOptions(
      "help",
      argv.filter((a) => !isCommand(a)),
    )
  ) {
    io.out(helpUsage);
    return 0;
  }
  const named = argv.filter(isCommand);
  if (named.length > 1) throw new UsageError("help takes one command name");
  const [name] = named;
  io.out(name === undefined ? USAGE : (usages[name] ?? USAGE));
  return 0;
}

/**
 * Parses a command that takes no options but `--help`: true when help was asked
 * for. Throws {@link UsageError} on anything else.
 */
function noOptions(command: string, argv: readonly string[]): boolean {
  try {
    const { values } = parseArgs({
      args: [...argv],
      options: { help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    });
    return values.help === true;
  } catch (error) {
    throw new UsageError(
      `${command} takes no options but --help (${error instanceof Error ? error.message : String(error)})`,
    );
  }
}
