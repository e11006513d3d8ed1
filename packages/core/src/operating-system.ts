import type { MemoryAccess, OSMemory } from "./memory.js";
import type { OSProcess } from "./process.js";

/**
 * What every backend returns: memory and process in one object, so a runtime
 * takes one value per target and codes against this type alone.
 */
export interface OperatingSystem extends OSMemory, OSProcess, MemoryAccess {}

/** A function that makes a fresh backend instance, as the conformance suite takes. */
export type OperatingSystemFactory = () => OperatingSystem | Promise<OperatingSystem>;
