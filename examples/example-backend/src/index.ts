/**
 * The example backend of CONTRIBUTING's "Add a backend": a complete osal
 * backend on `@osal/core`'s shared call path (`MemoryBackend`), tested with the
 * conformance suite like every backend in the repository.
 */
export { PageMapBackend } from "./page-map-backend.js";
