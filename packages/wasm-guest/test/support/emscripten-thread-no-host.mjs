// A pthread worker module with no default export: the worker cannot make its
// osal host, and the run must reject naming this module.
export const notAHost = true;
