import avro from 'avsc';
import type { ErrorDetail } from '../../domain/errors.ts';
import { SluiceError } from '../../domain/errors.ts';
import type { Validator } from '../../domain/pipeline.ts';
import type { Dependency } from './references.ts';

const maxDetails = 20;

/**
 * Avro schemas (avsc). Events arrive as JSON, so data is checked in its plain JSON shape:
 * records as objects, unions unwrapped (`"x"`, not `{"string": "x"}`), `long` as numbers.
 *
 * @example compileAvro({ type: 'record', name: 'Login', fields: [{ name: 'user_id', type: 'string' }] })
 */
export function compileAvro(schema: unknown, dependencies: readonly Dependency[] = []): Validator {
  const type = parseAvro(schema, dependencies);
  return (data) => {
    // The common case, and the cheapest check: every field present and right.
    if (type.isValid(data)) return undefined;
    // clone() reads the data as Avro's JSON decoding would: a missing field takes its
    // default. It stops at the first problem, so isValid() then lists them all.
    try {
      type.clone(data);
      return undefined;
    } catch (error) {
      const details: ErrorDetail[] = [];
      type.isValid(data, {
        errorHook: (path: string[], value: unknown, expected: avro.Type) => {
          const where = path.length === 0 ? '' : `/${path.join('/')}`;
          // A missing field with a default is fine; one without a default is reported.
          if (value === undefined && !missingWithoutDefault(type, path)) return;
          if (details.length < maxDetails)
            details.push({ path: where, reason: value === undefined ? 'required field is missing' : `must be Avro ${describe(expected)}` });
        },
      });
      return details.length > 0 ? details : [{ path: '', reason: (error as Error).message }];
    }
  };
}

/**
 * The schema as avsc reads it; a JSON string is accepted too (as Confluent clients send it).
 * `dependencies` (referenced schemas, see references.ts) are read first, so the named types
 * they define can be used by their full names.
 */
export function parseAvro(schema: unknown, dependencies: readonly Dependency[] = []): avro.Type {
  const definition = avroDefinition(schema);
  try {
    // A registry of its own per parse: no named type leaks to another schema or tenant.
    const registry: Record<string, avro.Type> = {};
    for (const dependency of dependencies) avro.Type.forSchema(avroDefinition(dependency.text) as avro.Schema, { registry });
    return avro.Type.forSchema(definition as avro.Schema, { registry });
  } catch (error) {
    throw new SluiceError('invalid_schema', `the Avro schema is not valid: ${(error as Error).message}`, { cause: error });
  }
}

/** The JSON of an Avro schema sent as text, or the text itself when it is a bare name such as `string`. */
export function avroDefinition(schema: unknown): unknown {
  if (typeof schema !== 'string') return schema;
  try {
    return JSON.parse(schema) as unknown;
  } catch {
    return schema;
  }
}

function describe(type: avro.Type): string {
  const name = type.name ?? type.typeName;
  return JSON.stringify(name);
}

/** True when the record field at `path` has no default (so leaving it out is an error). */
function missingWithoutDefault(root: avro.Type, path: readonly string[]): boolean {
  let type: avro.Type | undefined = root;
  for (let i = 0; i < path.length && type !== undefined; i++) {
    if (!(type instanceof avro.types.RecordType)) return true;
    const field = type.field(path[i]!);
    if (field === undefined) return true;
    if (i === path.length - 1) return field.defaultValue() === undefined;
    type = field.type;
  }
  return true;
}
