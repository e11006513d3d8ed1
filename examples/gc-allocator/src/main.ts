/**
 * The production entry (`npm start`): the scenario on the wasm page manager,
 * the backend this program's target ships with, and what it did.
 */
import { describeRun } from "./report.js";
import { runScenario } from "./scenario.js";
import { createHeapOS } from "./targets.js";

const os = createHeapOS("production");
const result = runScenario(os);
for (const line of describeRun(`wasm-page-manager (${os.pageSize / 1024} KiB pages)`, result)) {
  console.log(line);
}
