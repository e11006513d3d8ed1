import { runConformance } from "@osal/conformance";
import { MiB } from "@osal/core";
import { closingFactory } from "./instances.js";
import { checkedFactory } from "./kernel-agreement.js";

// Every memory call of every case (and of the model's first sequences, then one in ten)
// is followed by a check that the kernel's /proc/self/maps agrees with node-posix's list.
runConformance("node-posix", checkedFactory(closingFactory({ arenaSize: 64 * MiB })));
