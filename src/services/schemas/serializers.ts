import { parseExactJson } from '../../domain/exact-json.ts';
import protobuf from 'protobufjs';
import type { SchemaFormat } from '../../domain/catalog-docs.ts';
import type { ErrorDetail } from '../../domain/errors.ts';
import { SluiceError } from '../../domain/errors.ts';
import type { Validator } from '../../domain/pipeline.ts';
import { compileAvro, parseAvro } from './avro-schema.ts';
import { compileProtobuf, parseProtobuf } from './protobuf-schema.ts';
import type { Dependency } from './references.ts';

/** A schema as the catalog stores it: its language and its text. */
export interface StoredSchema {
  format: SchemaFormat;
  /** Canonical JSON for JSON Schema and Avro, the `.proto` text for Protobuf. */
  schema: string;
  /** The schemas its references pull in (references.ts), dependencies first. */
  dependencies?: readonly Dependency[];
}

/**
 * Turns an event's data (its JSON shape, as Sluice validates it) into the payload bytes of
 * the schema's language and back. The framing around the payload is
 * src/domain/wire-format.ts; this is only what sits inside it.
 */
export interface Serializer {
  readonly format: SchemaFormat;
  /**
   * Protobuf: the path of the message this serializer writes, as the wire format's message
   * indexes (`[0]` for the first message of the file). `undefined` for Avro and JSON.
   */
  readonly messageIndexes: number[] | undefined;
  /** @throws SluiceError `schema_validation_failed` (Avro, Protobuf) when the value does not fit the schema */
  encode(value: unknown): Uint8Array;
  /** @throws SluiceError `invalid_wire_format` when the bytes are not a payload of this schema */
  decode(payload: Uint8Array): unknown;
}

/**
 * A serializer for a stored schema.
 *
 * - **AVRO**: Avro binary (avsc `toBuffer` / `fromBuffer`); the JSON shape is the one
 *   Sluice validates: unions unwrapped, `long` as numbers, missing fields take their default.
 *   `bytes` and `fixed` decode to ISO-8859-1 strings (Avro's JSON encoding).
 * - **PROTOBUF**: Protobuf binary (protobufjs `fromObject` + `encode`, `decode` + `toObject`)
 *   of the message the message indexes name (the first message by default). Decoded data
 *   has enums as numbers, 64-bit integers as numbers and `bytes` as base64 — the shape
 *   Sluice's Protobuf validator accepts — and leaves out fields that hold their default.
 * - **JSON**: the value as UTF-8 JSON text. Validation against the JSON Schema stays the
 *   pipeline's job: the bytes of JSON can hold any value.
 *
 * @example createSerializer({ format: 'AVRO', schema: '{"type":"string"}' }).encode('ab') // <04 61 62>
 */
export function createSerializer(stored: StoredSchema, options: { messageIndexes?: readonly number[] } = {}): Serializer {
  const dependencies = stored.dependencies ?? [];
  if (stored.format === 'AVRO') return avroSerializer(stored.schema, dependencies);
  if (stored.format === 'PROTOBUF') return protobufSerializer(stored.schema, options.messageIndexes ?? [0], dependencies);
  return jsonSerializer();
}

function avroSerializer(text: string, dependencies: readonly Dependency[]): Serializer {
  const type = parseAvro(text, dependencies);
  const validate = compileAvro(text, dependencies);
  return {
    format: 'AVRO',
    messageIndexes: undefined,
    encode(value) {
      rejectInvalid(validate, value, 'Avro');
      try {
        // clone() fills defaults exactly as the validator read the value.
        return type.toBuffer(type.clone(value));
      } catch (error) {
        throw new SluiceError('schema_validation_failed', `the value cannot be written as Avro: ${(error as Error).message}`, { cause: error });
      }
    },
    decode(payload) {
      let value: unknown;
      try {
        value = type.fromBuffer(Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength));
      } catch (error) {
        throw new SluiceError('invalid_wire_format', `the payload is not Avro binary of this schema: ${(error as Error).message}`, { cause: error });
      }
      return plainAvro(value);
    },
  };
}

/** avsc decodes records into class instances and bytes into Buffers; events are plain JSON. */
function plainAvro(value: unknown): unknown {
  if (Buffer.isBuffer(value)) return value.toString('latin1');
  if (Array.isArray(value)) return value.map(plainAvro);
  if (typeof value === 'object' && value !== null) {
    const plain: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) plain[key] = plainAvro(field);
    return plain;
  }
  return value;
}

function protobufSerializer(text: string, messageIndexes: readonly number[], dependencies: readonly Dependency[]): Serializer {
  const first = parseProtobuf(text, undefined, dependencies);
  const message = messageIndexes.length === 1 && messageIndexes[0] === 0 ? first : messageAt(text, messageIndexes, dependencies);
  const validate = message === first ? compileProtobuf(text, undefined, dependencies) : protobufValidator(message);
  return {
    format: 'PROTOBUF',
    messageIndexes: [...messageIndexes],
    encode(value) {
      rejectInvalid(validate, value, `Protobuf message ${message.name}`);
      return message.encode(message.fromObject(value as Record<string, unknown>)).finish();
    },
    decode(payload) {
      let decoded: protobuf.Message;
      try {
        decoded = message.decode(payload);
      } catch (error) {
        throw new SluiceError('invalid_wire_format', `the payload is not a Protobuf ${message.name} message: ${(error as Error).message}`, { cause: error });
      }
      return message.toObject(decoded, { longs: Number, bytes: String });
    },
  };
}

/**
 * The message the wire format's indexes name: the first index counts the file's top-level
 * messages in the order written (enums and services do not count), each next index the
 * messages nested in the one before.
 */
function messageAt(text: string, indexes: readonly number[], dependencies: readonly Dependency[]): protobuf.Type {
  const root = protobuf.parse(text, { keepCase: true }).root;
  // Without references the file resolves alone; with them, the file names the message and
  // the root with its dependencies (parseProtobuf) resolves it.
  if (dependencies.length === 0) root.resolveAll();
  let candidates = topLevelMessages(root);
  let found: protobuf.Type | undefined;
  for (const [depth, index] of indexes.entries()) {
    found = candidates[index];
    if (found === undefined) {
      const where = depth === 0 ? 'the file' : `message ${indexes.slice(0, depth).join('.')}`;
      throw new SluiceError(
        'invalid_wire_format',
        `message indexes [${indexes.join(', ')}] name no message: ${where} has ${candidates.length} message${candidates.length === 1 ? '' : 's'}`,
      );
    }
    candidates = found.nestedArray.filter((nested): nested is protobuf.Type => nested instanceof protobuf.Type);
  }
  if (found === undefined) throw new SluiceError('invalid_wire_format', 'message indexes name at least one message');
  return dependencies.length === 0 ? found : parseProtobuf(text, found.fullName.replace(/^\./, ''), dependencies);
}

/** The messages a .proto file declares at its top level (inside its package, if it has one). */
function topLevelMessages(namespace: protobuf.NamespaceBase): protobuf.Type[] {
  const messages: protobuf.Type[] = [];
  for (const nested of namespace.nestedArray) {
    if (nested instanceof protobuf.Type) messages.push(nested);
    else if (nested instanceof protobuf.Namespace) messages.push(...topLevelMessages(nested));
  }
  return messages;
}

function protobufValidator(message: protobuf.Type): Validator {
  return (data) => {
    if (typeof data !== 'object' || data === null || Array.isArray(data)) return [{ path: '', reason: `must be a ${message.name} message (an object)` }];
    const problem = message.verify(data);
    return problem === null ? undefined : [{ path: '', reason: problem }];
  };
}

function jsonSerializer(): Serializer {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  return {
    format: 'JSON',
    messageIndexes: undefined,
    encode(value) {
      const text = JSON.stringify(value);
      // JSON.stringify gives undefined for undefined, functions and symbols: no JSON at all.
      if (typeof text !== 'string') throw new SluiceError('schema_validation_failed', 'the value has no JSON form');
      return Buffer.from(text, 'utf8');
    },
    decode(payload) {
      let text: string;
      try {
        text = decoder.decode(payload);
      } catch (error) {
        throw new SluiceError('invalid_utf8', 'the JSON payload is not valid UTF-8', { cause: error });
      }
      try {
        // Numbers that cannot be kept exactly are marked; the caller's guardJson refuses them.
        return parseExactJson(text);
      } catch (error) {
        throw new SluiceError('malformed_json', `the JSON payload does not parse: ${(error as Error).message}`, { cause: error });
      }
    },
  };
}

function rejectInvalid(validate: Validator, value: unknown, what: string): void {
  const details: ErrorDetail[] | undefined = validate(value);
  if (details === undefined) return;
  throw new SluiceError(
    'schema_validation_failed',
    `the value does not match the ${what} schema: ${details[0]?.path || '/'} ${details[0]?.reason ?? ''}`.trimEnd(),
    { details },
  );
}
