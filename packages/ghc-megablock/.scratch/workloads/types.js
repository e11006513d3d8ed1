/** Every {@link WorkloadName}, in the order tables list them. */
export const workloadNames = Object.freeze(["zend", "sgen", "coreclr", "ghc", "mmtk"]);
//# sourceMappingURL=types.js.map
