/**
 * The JSON Schema (draft 2020-12) of what `osal bench --json` prints
 * ({@link BenchJson}), for readers who consume the output: the CLI README
 * documents the same fields in prose, and the CLI's tests validate real
 * `--json` output against this schema. Every figure that can be missing (a run
 * that failed or never started, a peer whose zeroing cannot be seen, the
 * scaling figures under `--no-scaling`) is `null`, never 0.
 */
export const benchJsonSchema = {
  $schema: "https://json-schema.org/draft/2020-12/schema",
  $id: "https://github.com/osal-dev/osal/tree/main/packages/cli#json-output",
  title: "osal bench --json",
  type: "object",
  additionalProperties: false,
  required: ["command", "steps", "seed", "memoryCapBytes", "outDir", "workloads", "scaling"],
  properties: {
    command: { type: "string", description: "The command line that produced this output." },
    steps: { type: "integer", minimum: 0 },
    seed: { type: "integer", minimum: 0 },
    memoryCapBytes: { type: "integer", minimum: 0, description: "Linear-memory cap of every run." },
    outDir: { type: "string" },
    workloads: {
      type: "array",
      items: {
        type: "object",
        additionalProperties: false,
        required: ["workload", "rows", "chart", "maps"],
        properties: {
          workload: { enum: ["zend", "sgen", "coreclr", "ghc", "mmtk"] },
          chart: { type: "string", description: "Path of the footprint chart (SVG)." },
          maps: {
            type: "object",
            additionalProperties: { type: "string" },
            description: "Runner name to the path of its memory map (SVG).",
          },
          rows: {
            type: "array",
            items: {
              type: "object",
              additionalProperties: false,
              required: [
                "runner",
                "kind",
                "completed",
                "stepsDone",
                "failure",
                "granuleBytes",
                "peakLiveBytes",
                "workloadPeakBytes",
                "workloadGranuleBytes",
                "peakFootprintBytes",
                "footprintRatio",
                "zeroedBytes",
                "failedCalls",
                "operations",
                "elapsedMs",
                "usPerOperation",
              ],
              properties: {
                runner: { type: "string" },
                kind: { enum: ["ts", "guest"] },
                completed: { type: "boolean" },
                stepsDone: { type: "integer", minimum: 0 },
                failure: {
                  type: ["object", "null"],
                  additionalProperties: false,
                  required: ["step", "message"],
                  properties: {
                    step: { type: "integer", minimum: 0 },
                    code: { type: "string", description: "Linux errno name, or check-failed." },
                    message: { type: "string" },
                  },
                },
                granuleBytes: { type: ["integer", "null"], minimum: 1 },
                peakLiveBytes: { type: "integer", minimum: 0 },
                workloadPeakBytes: { type: ["integer", "null"], minimum: 1 },
                workloadGranuleBytes: { type: ["integer", "null"], minimum: 1 },
                peakFootprintBytes: { type: "integer", minimum: 0 },
                footprintRatio: { type: ["number", "null"], exclusiveMinimum: 0 },
                zeroedBytes: { type: ["integer", "null"], minimum: 0 },
                failedCalls: { type: "integer", minimum: 0 },
                operations: { type: "integer", minimum: 0 },
                elapsedMs: { type: "number", minimum: 0 },
                usPerOperation: { type: ["number", "null"], minimum: 0 },
              },
            },
          },
        },
      },
    },
    scaling: {
      type: ["object", "null"],
      additionalProperties: false,
      required: [
        "backend",
        "pageSize",
        "pairPages",
        "pairs",
        "slowdown",
        "memsetUsPerPair",
        "tableBuild",
      ],
      properties: {
        backend: { type: "string" },
        pageSize: { type: "integer", minimum: 1 },
        pairPages: { type: "integer", minimum: 1 },
        pairs: {
          type: "array",
          items: {
            type: "object",
            additionalProperties: false,
            required: ["livePages", "usPerPair", "pairsPerSecond"],
            properties: {
              livePages: { type: "integer", minimum: 1 },
              usPerPair: { type: "number", exclusiveMinimum: 0 },
              pairsPerSecond: { type: "number", exclusiveMinimum: 0 },
            },
          },
        },
        slowdown: { type: "number", exclusiveMinimum: 0 },
        memsetUsPerPair: { type: "number", minimum: 0 },
        tableBuild: {
          type: "object",
          additionalProperties: false,
          required: ["mappings", "ms", "growMs", "grows", "memoryBytes", "mappedBytes"],
          properties: {
            mappings: { type: "integer", minimum: 0 },
            ms: { type: "number", minimum: 0 },
            growMs: { type: "number", minimum: 0 },
            grows: { type: "integer", minimum: 0 },
            memoryBytes: { type: "integer", minimum: 0 },
            mappedBytes: { type: "integer", minimum: 0 },
          },
        },
      },
    },
  },
} as const;
