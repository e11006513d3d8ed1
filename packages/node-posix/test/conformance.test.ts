import { runConformance } from "@osal/conformance";
import { MiB } from "@osal/core";
import { closingFactory } from "./instances.js";
import { checkedFactory } from "./kernel-agreement.js";

// Every memory call of every case (and of the model's sequences) is followed by a
// check that the kernel's own /proc/self/maps agrees with what node-posix lists.
runConformance("node-posix", checkedFactory(closingFactory({ arenaSize: 64 * MiB })));
