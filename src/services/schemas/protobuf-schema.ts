import protobuf from 'protobufjs';
import { SluiceError } from '../../domain/errors.ts';
import type { Validator } from '../../domain/pipeline.ts';
import type { Dependency } from './references.ts';

/**
 * Protobuf schemas (protobufjs parsing `.proto` text). The event's data is the message in
 * its JSON shape with the field names as written in the `.proto` file; the message is the
 * first one the file defines (as Confluent's serializers assume), or the one named.
 *
 * @example compileProtobuf('syntax = "proto3"; message Order { string id = 1; }')
 */
export function compileProtobuf(text: unknown, messageName?: string, dependencies: readonly Dependency[] = []): Validator {
  const message = parseProtobuf(text, messageName, dependencies);
  return (data) => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return [{ path: '', reason: `must be a ${message.name} message (an object)` }];
    const problem = message.verify(fromCanonicalJson(message, data as Record<string, unknown>, 0));
    if (problem === null) return undefined;
    const colon = problem.indexOf(':');
    const field = colon > 0 ? problem.slice(0, colon).replaceAll('.', '/') : '';
    return [{ path: field === '' ? '' : `/${field}`, reason: colon > 0 ? problem.slice(colon + 1).trim() : problem }];
  };
}

/**
 * The message of a `.proto` file. `dependencies` (referenced schemas, see references.ts) are
 * the files its `import "<name>";` statements name: they are parsed into the same root
 * first. The message is the file's own first message (or the one named), never one of a
 * dependency's.
 */
export function parseProtobuf(text: unknown, messageName?: string, dependencies: readonly Dependency[] = []): protobuf.Type {
  if (typeof text !== 'string') throw new SluiceError('invalid_schema', 'a Protobuf schema is the text of a .proto file');
  let root: protobuf.Root;
  let first: string | undefined;
  try {
    if (dependencies.length === 0) {
      root = protobuf.parse(text, { keepCase: true }).root;
      first = messageName === undefined ? firstMessage(root)?.fullName : undefined;
    } else {
      // The file alone names its first message; the root with its dependencies resolves its types.
      first = messageName === undefined ? firstMessage(protobuf.parse(text, { keepCase: true }).root)?.fullName : undefined;
      root = protobufRoot(text, dependencies);
    }
    root.resolveAll();
  } catch (error) {
    if (error instanceof SluiceError) throw error;
    throw new SluiceError('invalid_schema', `the Protobuf schema is not valid: ${(error as Error).message}`, { cause: error });
  }
  const name = messageName ?? first;
  const message = name === undefined ? undefined : root.lookupType(name);
  if (message === undefined) throw new SluiceError('invalid_schema', 'the .proto file defines no message');
  return message;
}

/** One root holding the dependencies, then the file; every import must name a dependency (or a google/protobuf file). */
function protobufRoot(text: string, dependencies: readonly Dependency[]): protobuf.Root {
  const root = new protobuf.Root();
  const known = new Set(dependencies.flatMap((dependency) => dependency.names));
  const check = (parsed: protobuf.IParserResult, file: string): void => {
    for (const imported of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      if (!known.has(imported) && !imported.startsWith('google/protobuf/')) {
        throw new SluiceError('invalid_schema', `${file} imports "${imported}", which is not the name of one of its references`);
      }
    }
  };
  for (const dependency of dependencies) check(protobuf.parse(dependency.text, root, { keepCase: true }), `the referenced schema "${dependency.names[0]}"`);
  check(protobuf.parse(text, root, { keepCase: true }), 'the schema');
  return root;
}

function firstMessage(namespace: protobuf.NamespaceBase): protobuf.Type | undefined {
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) return nested;
    if (nested instanceof protobuf.Namespace) {
      const found = firstMessage(nested);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}

/** The file as protobufjs describes it in JSON (`{nested: {...}}`), for compatibility rules. */
export function protobufDescriptor(text: string, dependencies: readonly Dependency[] = []): unknown {
  return (dependencies.length === 0 ? protobuf.parse(text, { keepCase: true }).root : protobufRoot(text, dependencies)).toJSON();
}

const longTypes = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const decimal = /^-?\d+$/;
const maxNesting = 64;

/**
 * Proto3's canonical JSON writes enums by name and 64-bit integers as decimal strings;
 * protobufjs' verify() wants numbers for both. This reads those forms as numbers (on a
 * copy) so that events in the canonical mapping validate; anything else is left for
 * verify() to report.
 */
function fromCanonicalJson(type: protobuf.Type, value: Record<string, unknown>, depth: number): Record<string, unknown> {
  if (depth > maxNesting) return value;
  let copy: Record<string, unknown> | undefined;
  for (const field of type.fieldsArray) {
    const raw = value[field.name];
    if (raw === undefined || raw === null) continue;
    const convert = (item: unknown): unknown => {
      const resolved = field.resolvedType;
      if (resolved instanceof protobuf.Enum && typeof item === 'string' && Object.hasOwn(resolved.values, item)) return resolved.values[item];
      if (longTypes.has(field.type) && typeof item === 'string' && decimal.test(item)) return Number(item);
      if (resolved instanceof protobuf.Type && typeof item === 'object' && item !== null && !Array.isArray(item))
        return fromCanonicalJson(resolved, item as Record<string, unknown>, depth + 1);
      return item;
    };
    let converted: unknown;
    if (field.map && typeof raw === 'object' && !Array.isArray(raw))
      converted = Object.fromEntries(Object.entries(raw as Record<string, unknown>).map(([key, item]) => [key, convert(item)]));
    else if (field.repeated && Array.isArray(raw)) converted = raw.map(convert);
    else converted = convert(raw);
    if (converted !== raw) {
      copy ??= { ...value };
      copy[field.name] = converted;
    }
  }
  return copy ?? value;
}
