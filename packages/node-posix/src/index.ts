/**
 * @osal/node-posix: osal on the real Linux kernel for Node, through koffi,
 * confined to an arena of address space each instance reserves. For testing
 * runtimes against the kernel and for proving simulated backends right.
 */
export { createNodePosix } from "./node-posix.js";
export type { NodePosix } from "./node-posix-api.js";
export type { NodePosixOptions, ResolvedNodePosixOptions } from "./options.js";
