import type { z } from 'zod';

/**
 * A form-encoded body (`application/x-www-form-urlencoded`, which Gin's binding took as well as
 * JSON) in the JSON shape its route's schema checks. Express parses it flat (`extended: false`):
 * `key=a&key=b` arrives as `{ key: ['a', 'b'] }` and `key[]=a` as `{ 'key[]': 'a' }`. Here `key[]`
 * is `key`, a field the schema declares a list is always a list (`participant_ids=2` is `[2]`'s
 * form), and any other field keeps its single value as a string. Numbers stay strings: the id and
 * seq schemas take decimal strings (as they do in JSON), so the schema says what a field must be.
 */
export function formToJsonShape(
  schema: z.ZodType,
  form: Record<string, string | string[]>,
): Record<string, unknown> {
  const values = new Map<string, string[]>();
  for (const [key, value] of Object.entries(form)) {
    const name = key.endsWith('[]') ? key.slice(0, -2) : key;
    values.set(name, [...(values.get(name) ?? []), ...(Array.isArray(value) ? value : [value])]);
  }
  const shape = objectShape(schema);
  return Object.fromEntries(
    [...values].map(([name, list]) => {
      const field = shape?.[name];
      const isList = field !== undefined && isArraySchema(field);
      return [name, isList || list.length !== 1 ? list : list[0]];
    }),
  );
}

/** The declared fields of an object schema, through defaults, optionality and pipes. */
function objectShape(schema: z.ZodType): Record<string, z.ZodType> | undefined {
  const inner = unwrap(schema);
  const def = inner._zod.def as { type: string; shape?: Record<string, z.ZodType> };
  return def.type === 'object' ? def.shape : undefined;
}

function isArraySchema(schema: z.ZodType): boolean {
  return unwrap(schema)._zod.def.type === 'array';
}

function unwrap(schema: z.ZodType): z.ZodType {
  const def = schema._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
      return def.innerType ? unwrap(def.innerType) : schema;
    case 'pipe':
      return def.in ? unwrap(def.in) : schema;
    default:
      return schema;
  }
}
