import { afterEach } from "vitest";
import { createNodePosix, type NodePosix, type NodePosixOptions } from "../src/index.js";

const open: NodePosix[] = [];

/**
 * A factory for tests: every instance it makes is closed after the test that
 * made it, so hundreds of tests do not pile up arenas. Call at the top level of
 * a test file (it registers an `afterEach`).
 */
export function closingFactory(options: NodePosixOptions = {}): () => NodePosix {
  afterEach(() => {
    for (const os of open.splice(0)) os.close();
  });
  return () => {
    const os = createNodePosix(options);
    open.push(os);
    return os;
  };
}
