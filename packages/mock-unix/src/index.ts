/**
 * @osal/mock-unix: a simulated Linux process with real `sys/mman.h` semantics,
 * for testing language runtimes and their memory layers off-wasm.
 */
export { FaultInjector, type FaultTarget } from "./fault-injection.js";
export { createMockUnix } from "./mock-unix.js";
export type { MockUnix } from "./mock-unix-api.js";
export type { MockPageSize, MockUnixOptions, ResolvedMockUnixOptions } from "./options.js";
