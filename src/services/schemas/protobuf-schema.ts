import protobuf from 'protobufjs';
import { SluiceError } from '../../domain/errors.ts';
import type { Validator } from '../../domain/pipeline.ts';

/**
 * Protobuf schemas (protobufjs parsing `.proto` text). The event's data is the message in
 * its JSON shape with the field names as written in the `.proto` file; the message is the
 * first one the file defines (as Confluent's serializers assume), or the one named.
 *
 * @example compileProtobuf('syntax = "proto3"; message Order { string id = 1; }')
 */
export function compileProtobuf(text: unknown, messageName?: string): Validator {
  const message = parseProtobuf(text, messageName);
  return (data) => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return [{ path: '', reason: `must be a ${message.name} message (an object)` }];
    const problem = message.verify(data);
    if (problem === null) return undefined;
    const colon = problem.indexOf(':');
    const field = colon > 0 ? problem.slice(0, colon).replaceAll('.', '/') : '';
    return [{ path: field === '' ? '' : `/${field}`, reason: colon > 0 ? problem.slice(colon + 1).trim() : problem }];
  };
}

export function parseProtobuf(text: unknown, messageName?: string): protobuf.Type {
  if (typeof text !== 'string') throw new SluiceError('invalid_schema', 'a Protobuf schema is the text of a .proto file');
  let root: protobuf.Root;
  try {
    root = protobuf.parse(text, { keepCase: true }).root;
    root.resolveAll();
  } catch (error) {
    throw new SluiceError('invalid_schema', `the Protobuf schema is not valid: ${(error as Error).message}`, { cause: error });
  }
  const message = messageName === undefined ? firstMessage(root) : root.lookupType(messageName);
  if (message === undefined) throw new SluiceError('invalid_schema', 'the .proto file defines no message');
  return message;
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
export function protobufDescriptor(text: string): unknown {
  return protobuf.parse(text, { keepCase: true }).root.toJSON();
}
