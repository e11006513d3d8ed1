import { runConformance } from "@osal/conformance";
import { PageMapBackend } from "../src/index.js";

// The whole shared suite (capability-gated) and its model-based random sequences.
runConformance("example-backend", () => new PageMapBackend());
