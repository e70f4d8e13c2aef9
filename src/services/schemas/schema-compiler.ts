import { canonicalJson } from '../../domain/canonical-json.ts';
import { exceedsDepth, textExceedsDepth } from '../../domain/json-depth.ts';
import type { SchemaFormat } from '../../domain/catalog-docs.ts';
import { SluiceError } from '../../domain/errors.ts';
import type { Validator } from '../../domain/pipeline.ts';
import { avroDefinition, compileAvro, parseAvro } from './avro-schema.ts';
import { JsonSchemaCompiler, maxSchemaDepth } from './json-schema.ts';
import { compileProtobuf, protobufDescriptor } from './protobuf-schema.ts';
import { inlineJsonReferences, type Dependency } from './references.ts';

export const schemaFormats: readonly SchemaFormat[] = ['JSON', 'AVRO', 'PROTOBUF'];

/** The most text one schema may have; a tenant's schema must not exhaust the process. */
const maxSchemaBytes = 256 * 1024;
/** Schemas remembered as compiling; a bound, not a cache size anyone tunes. */
const maxRemembered = 10_000;

/**
 * One entry point for the three schema languages: checks a schema, gives its stored text
 * (canonical for JSON and Avro, as written for Protobuf) and compiles validators.
 */
export class SchemaCompiler {
  readonly #json = new JsonSchemaCompiler();
  readonly #compiled = new Set<string>();

  /**
   * The text stored for a schema; equal schemas give equal text. `dependencies` are the
   * schemas its references pull in (references.ts).
   *
   * @throws invalid_schema
   */
  normalize(format: SchemaFormat, schema: unknown, dependencies: readonly Dependency[] = []): string {
    return this.stored(format, schema, dependencies).text;
  }

  /**
   * `normalize`'s text, and the text an earlier release stored for the same schema where it
   * differs (`former`): Avro schemas without references were stored in avsc's form. A schema
   * registered again matches a version stored that way (same id, no new version), so upgrading
   * changes no ids. Both come from one parse.
   *
   * @throws invalid_schema
   */
  stored(format: SchemaFormat, schema: unknown, dependencies: readonly Dependency[] = []): { text: string; former?: string } {
    // Before anything recurses into the schema (avsc, ajv, canonical JSON).
    if (format !== 'PROTOBUF' && (typeof schema === 'string' ? textExceedsDepth(schema, maxSchemaDepth + 1) : exceedsDepth(schema, maxSchemaDepth + 1))) {
      throw new SluiceError('invalid_schema', `the schema nests deeper than ${maxSchemaDepth} levels`, { details: [{ path: '', reason: 'too deep' }] });
    }
    let text: string;
    let former: string | undefined;
    if (format === 'PROTOBUF') {
      if (typeof schema !== 'string') throw new SluiceError('invalid_schema', 'a Protobuf schema is the text of a .proto file, sent as a string');
      text = schema.trim();
    } else if (format === 'AVRO') {
      // Checked by avsc, stored as written: avsc's own form drops logical types, their
      // precision and scale, enum defaults and custom properties (`connect.name`).
      const type = parseAvro(schema, dependencies);
      text = canonicalJson(avroDefinition(schema));
      if (dependencies.length === 0) former = canonicalJson(type.schema({ exportAttrs: true }));
    } else {
      text = canonicalJson(schema);
    }
    if (Buffer.byteLength(text) > maxSchemaBytes) throw new SluiceError('invalid_schema', `the schema is larger than ${maxSchemaBytes / 1024} KiB`);
    // Re-registering an unchanged schema is common (deploys, sluice.yaml at every start):
    // a schema that compiled once needs no second compilation to be known good.
    if (dependencies.length > 0 || !this.#compiled.has(`${format}\u0000${text}`)) {
      this.compile(format, text, dependencies);
      if (dependencies.length === 0) {
        if (this.#compiled.size >= maxRemembered) this.#compiled.clear();
        this.#compiled.add(`${format}\u0000${text}`);
      }
    }
    return former === undefined || former === text ? { text } : { text, former };
  }

  /** A validator for stored schema text. */
  compile(format: SchemaFormat, text: string, dependencies: readonly Dependency[] = []): Validator {
    if (format === 'PROTOBUF') return compileProtobuf(text, undefined, dependencies);
    if (format === 'AVRO') return compileAvro(text, dependencies);
    return this.#json.compile(JSON.parse(text), dependencies);
  }

  /** For pipeline `validate` steps, which always use JSON Schema. */
  compileJsonSchema(schema: unknown): Validator {
    return this.#json.compile(schema);
  }

  /** The form compatibility rules read: JSON for JSON Schema and Avro, a descriptor for Protobuf. */
  structure(format: SchemaFormat, text: string, dependencies: readonly Dependency[] = []): unknown {
    if (format === 'PROTOBUF') return protobufDescriptor(text, dependencies);
    if (dependencies.length === 0) return JSON.parse(text) as unknown;
    // References resolved: Avro with the referenced named types written out, JSON Schema with `$ref`s inlined.
    if (format === 'AVRO') return parseAvro(text, dependencies).schema({ exportAttrs: true });
    return inlineJsonReferences(JSON.parse(text), dependencies);
  }

  /** The schema as readers get it back: an object for JSON and Avro, text for Protobuf. */
  present(format: SchemaFormat, text: string): unknown {
    return format === 'PROTOBUF' ? text : (JSON.parse(text) as unknown);
  }
}
