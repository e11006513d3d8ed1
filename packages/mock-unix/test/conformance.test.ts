import { runConformance } from "@osal/conformance";
import { createMockUnix } from "../src/index.js";

runConformance("mock-unix (4 KiB pages)", () => createMockUnix());
runConformance("mock-unix (16 KiB pages)", () => createMockUnix({ pageSize: 16384 }));
runConformance("mock-unix (64 KiB pages)", () => createMockUnix({ pageSize: 65536 }));
