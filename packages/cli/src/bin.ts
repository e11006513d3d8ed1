#!/usr/bin/env node
// node:wasi, which runs the bench's wasi-libc guests, announces itself as
// experimental on first use; that line is noise in the tables, so only it is
// dropped. Every other warning is printed as usual. The CLI is imported after
// the filter is in place, as node:wasi warns when it is loaded.
const emitWarning = process.emitWarning.bind(process);
process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
  const text = typeof warning === "string" ? warning : warning.message;
  if (/^WASI is an experimental feature/.test(text)) return;
  (emitWarning as (w: string | Error, ...r: unknown[]) => void)(warning, ...rest);
}) as typeof process.emitWarning;

const { runCli } = await import("./cli.js");
process.exitCode = await runCli(process.argv.slice(2), {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  errIsTTY: process.stderr.isTTY === true,
});
