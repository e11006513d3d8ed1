/**
 * @osal/cli: the `osal` command. Its commands are also exported so other tools
 * can run them programmatically.
 */
export { type CliIo, runCli } from "./cli.js";
export { demoCommand } from "./commands/demo.js";
export {
  defaultHeapLayout,
  type HeapDemoLayout,
  type HeapDemoStep,
  runHeapDemo,
} from "./demo/mmtk-heap.js";
