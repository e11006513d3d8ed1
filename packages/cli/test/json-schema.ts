/**
 * A validator for the JSON Schema keywords `benchJsonSchema` uses (type,
 * enum, properties, required, additionalProperties, items, minimum,
 * exclusiveMinimum): returns one line per problem, with its JSON path.
 */
type Schema = Readonly<Record<string, unknown>>;

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function fitsType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === "number" && actual === "integer");
}

/** Problems of `value` against `schema`, each prefixed with its path (`$.workloads[0].rows`). */
export function validate(value: unknown, schema: Schema, path = "$"): string[] {
  const problems: string[] = [];
  const type = schema.type as string | readonly string[] | undefined;
  if (type !== undefined) {
    const types = typeof type === "string" ? [type] : type;
    if (!types.some((t) => fitsType(value, t))) {
      return [`${path}: ${typeOf(value)} is not ${types.join(" or ")}`];
    }
  }
  const choices = schema.enum as readonly unknown[] | undefined;
  if (choices !== undefined && !choices.includes(value)) {
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(choices)}`);
  }
  if (typeof value === "number") {
    const minimum = schema.minimum as number | undefined;
    if (minimum !== undefined && value < minimum) problems.push(`${path}: ${value} < ${minimum}`);
    const above = schema.exclusiveMinimum as number | undefined;
    if (above !== undefined && value <= above) problems.push(`${path}: ${value} <= ${above}`);
  }
  if (typeOf(value) === "object") {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as readonly string[]) {
      if (!Object.hasOwn(object, name)) problems.push(`${path}: missing ${name}`);
    }
    const extra = schema.additionalProperties as boolean | Schema | undefined;
    for (const [name, field] of Object.entries(object)) {
      const known = properties[name];
      if (known !== undefined) problems.push(...validate(field, known, `${path}.${name}`));
      else if (extra === false) problems.push(`${path}: unexpected ${name}`);
      else if (typeof extra === "object")
        problems.push(...validate(field, extra, `${path}.${name}`));
    }
  }
  if (Array.isArray(value) && schema.items !== undefined) {
    value.forEach((item, i) => {
      problems.push(...validate(item, schema.items as Schema, `${path}[${i}]`));
    });
  }
  return problems;
}
