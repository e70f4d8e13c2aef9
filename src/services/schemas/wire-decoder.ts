/**
 * Confluent's wire format in, data out: the one decoder behind every intake of framed records
 * (`POST /v1/events` with `application/vnd.sluice.wire`, Kafka sources with `format:
 * confluent`), so both read the same schemas the same way, references included.
 */
import type { SchemaFormat } from '../../domain/catalog-docs.ts';
import { SluiceError } from '../../domain/errors.ts';
import { guardJson } from '../../domain/json-guard.ts';
import { decodeFrame, splitMessageIndexes } from '../../domain/wire-format.ts';
import type { Dependency } from './references.ts';
import { createSerializer, type Serializer } from './serializers.ts';

/** A stored schema by id, with the schemas its references pull in. */
export interface WireSchema {
  tenant: string;
  format: SchemaFormat;
  schema: string;
  dependencies: () => readonly Dependency[];
}

export interface DecodedRecord {
  schemaId: number;
  format: SchemaFormat;
  data: unknown;
}

/** Serializers are cached by schema id and message indexes; a schema's text never changes under its id. */
const maxCachedSerializers = 1000;

export class WireDecoder {
  readonly #schemaById: (id: number) => WireSchema | undefined;
  readonly #serializers = new Map<string, Serializer>();

  constructor(schemaById: (id: number) => WireSchema | undefined) {
    this.#schemaById = schemaById;
  }

  /** The schema id a framed record names, without decoding it. */
  schemaIdOf(bytes: Buffer): number {
    return decodeFrame(bytes).schemaId;
  }

  /**
   * Decodes a framed record with the schema its id names, which must be one of `tenant`'s; the
   * data then passes the same depth, key and number rules as JSON bodies.
   *
   * @throws invalid_wire_format, unknown_schema, and what the payload's decoding throws
   */
  decode(tenant: string, bytes: Buffer, maxDepth: number): DecodedRecord {
    const { schemaId, payload: afterId } = decodeFrame(bytes);
    const schema = this.#schemaById(schemaId);
    if (schema === undefined || schema.tenant !== tenant) {
      throw new SluiceError('unknown_schema', `schema id ${schemaId} is not a schema of tenant "${tenant}"`, {
        details: [{ path: '', reason: `unknown schema id ${schemaId}` }],
      });
    }
    const split = schema.format === 'PROTOBUF' ? splitMessageIndexes(afterId, 5) : { messageIndexes: undefined, payload: afterId };
    const data = this.#serializer(schemaId, split.messageIndexes, schema).decode(split.payload);
    guardJson(data, maxDepth);
    return { schemaId, format: schema.format, data };
  }

  #serializer(schemaId: number, indexes: number[] | undefined, schema: WireSchema): Serializer {
    const cacheKey = indexes === undefined ? String(schemaId) : `${schemaId}:${indexes.join('.')}`;
    let serializer = this.#serializers.get(cacheKey);
    if (serializer === undefined) {
      serializer = createSerializer(
        { format: schema.format, schema: schema.schema, dependencies: schema.dependencies() },
        indexes === undefined ? {} : { messageIndexes: indexes },
      );
      if (this.#serializers.size >= maxCachedSerializers) this.#serializers.clear();
      this.#serializers.set(cacheKey, serializer);
    }
    return serializer;
  }
}
