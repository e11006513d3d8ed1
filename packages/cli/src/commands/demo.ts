import { capabilityNames, formatBytes, memoryCalls, type OperatingSystem } from "@osal/core";
import { createMockUnix } from "@osal/mock-unix";
import { runHeapDemo } from "../demo/mmtk-heap.js";

/** Usage of `osal demo`. */
export const demoUsage = `usage: osal demo

Builds an MMTk-style heap on @osal/mock-unix (a simulated Linux process):
quarantines 1 TiB, maps 4 MiB chunks inside it with MAP_FIXED and side metadata
beside them, allocates, releases a chunk, and prints each step, the process's
/proc/self/maps and its stats. Takes no options.

options:
  -h, --help        this text
`;

/**
 * `osal demo`: an MMTk-style heap on mock-unix, printed step by step, then the
 * process's `/proc/self/maps` and its stats. Returns the text it prints.
 */
export function demoCommand(): string {
  const os: OperatingSystem = createMockUnix();
  const lines: string[] = [];
  lines.push("osal demo: an MMTk-style heap on @osal/mock-unix (a simulated Linux process)");
  lines.push(
    `page size ${formatBytes(os.pageSize)}; capabilities: ${capabilityNames.filter((c) => os.capabilities[c]).join(", ")}`,
  );
  lines.push("");
  for (const [i, step] of runHeapDemo(os).entries())
    lines.push(`${i + 1}. ${step.title}: ${step.detail}`);
  lines.push("");
  lines.push("/proc/self/maps:");
  lines.push(os.getProcessMemoryMaps().trimEnd());
  lines.push("");
  const stats = os.stats();
  lines.push(
    `mapped ${formatBytes(stats.mappedBytes)}, committed ${formatBytes(stats.committedBytes)}, resident ${formatBytes(stats.footprintBytes)} (peak ${formatBytes(stats.peakFootprintBytes)}), zeroed ${formatBytes(stats.zeroedBytes)}`,
  );
  lines.push(`calls: ${memoryCalls.map((c) => `${c} ${stats.calls[c]}`).join(", ")}`);
  return `${lines.join("\n")}\n`;
}
