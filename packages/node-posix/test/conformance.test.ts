import { runConformance } from "@osal/conformance";
import { MiB } from "@osal/core";
import { closingFactory } from "./instances.js";

runConformance("node-posix", closingFactory({ arenaSize: 64 * MiB }));
