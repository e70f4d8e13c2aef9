import protobuf from 'protobufjs';
import { SluiceError } from '../../domain/errors.ts';
import type { Validator } from '../../domain/pipeline.ts';
import { compileProtobufJsonCheck } from './protobuf-json-check.ts';
import type { Dependency } from './references.ts';

/**
 * Protobuf schemas (protobufjs parsing `.proto` text). The event's data is the message in
 * its JSON shape with the field names as written in the `.proto` file; the message is the
 * first one the file defines (as Confluent's serializers assume), or the one named. Enums
 * may be written by name and 64-bit integers as decimal strings, as proto3's canonical JSON
 * mapping writes them (protobuf-json-check.ts).
 *
 * @example compileProtobuf('syntax = "proto3"; message Order { string id = 1; }')
 */
export function compileProtobuf(text: unknown, messageName?: string, dependencies: readonly Dependency[] = []): Validator {
  const message = parseProtobuf(text, messageName, dependencies);
  const check = compileProtobufJsonCheck(message);
  return (data) => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return [{ path: '', reason: `must be a ${message.name} message (an object)` }];
    const problem = check(data);
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
