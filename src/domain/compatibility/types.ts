/** The schema languages the registry speaks, named as Confluent's `schemaType` names them. */
export const schemaFormats = ['JSON', 'AVRO', 'PROTOBUF'] as const;
export type SchemaFormat = (typeof schemaFormats)[number];

/** Confluent's compatibility levels; BACKWARD is the default. */
export const compatibilityLevels = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] as const;
export type CompatibilityLevel = (typeof compatibilityLevels)[number];

/**
 * Which way data flows in one check.
 * - BACKWARD: the new schema reads data written with a previous one.
 * - FORWARD: a previous schema reads data written with the new one.
 */
export type Direction = 'BACKWARD' | 'FORWARD';

/** One reason the new schema may not be registered. */
export interface Incompatibility {
  /** Where, in the format's own path style: `#/properties/age` (JSON), `/fields/3/type` (Avro), `#/Order/3` (Protobuf). */
  path: string;
  /** A stable machine name, Confluent's where Confluent has one (`PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL`, `READER_FIELD_MISSING_DEFAULT_VALUE`, `FIELD_KIND_CHANGED`). */
  kind: string;
  /** Why, and how to evolve the schema instead. */
  message: string;
  /** Index into `previousVersionsOldestFirst` of the version this conflicts with. */
  previous: number;
  /** Which way the data could not be read. */
  direction: Direction;
}

export interface CompatibilityResult {
  compatible: boolean;
  messages: Incompatibility[];
}

export interface CompatibilityOptions {
  /**
   * How previous versions are named in messages, one label per previous version, oldest first
   * (for example `['version 1', 'version 2']`). By default the latest is "the previous schema"
   * and older ones are "previous schema #n".
   */
  previousLabels?: readonly string[];
  /**
   * Protobuf only. Confluent's default lets a new schema use a field or enum number that a
   * previous version declared `reserved`; `'enforce'` reports it as `RESERVED_NUMBER_REUSED`.
   */
  protobufReservedNumbers?: 'ignore' | 'enforce';
}

/** A finding of one format's checker, before the level says which version and direction. */
export interface Finding {
  path: string;
  kind: string;
  message: string;
}

/** How one check names its two schemas in messages. */
export interface Roles {
  /** The schema reading the data ("the new schema" under BACKWARD). */
  reader: string;
  /** The schema the data was written with. */
  writer: string;
  /** True when the new schema is the reader (BACKWARD), false when it is the writer (FORWARD). */
  newIsReader: boolean;
}

/** One schema language: parse once (throwing `invalid_schema`), then compare reader and writer. */
export interface FormatChecker<Parsed> {
  parse(raw: unknown): Parsed;
  check(reader: Parsed, writer: Parsed, roles: Roles, options: CompatibilityOptions): Finding[];
}
