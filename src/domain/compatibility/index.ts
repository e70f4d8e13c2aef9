/**
 * Schema compatibility rules for JSON Schema, Avro and Protobuf, giving the verdicts
 * Confluent Schema Registry gives, over plain JSON representations of the schemas.
 * See docs/schemas.md.
 */
import { avroChecker } from './avro.ts';
import { jsonSchemaChecker } from './json-schema/index.ts';
import { planChecks } from './levels.ts';
import { protobufChecker } from './protobuf/index.ts';
import type { CompatibilityLevel, CompatibilityOptions, CompatibilityResult, FormatChecker, Incompatibility, Roles, SchemaFormat } from './types.ts';

export { defaultCompatibilityLevel, isCompatibilityLevel, planChecks } from './levels.ts';
export type { PlannedCheck } from './levels.ts';
export { compatibilityLevels, schemaFormats } from './types.ts';
export type { CompatibilityLevel, CompatibilityOptions, CompatibilityResult, Direction, Incompatibility, SchemaFormat } from './types.ts';

const checkers: Record<SchemaFormat, FormatChecker<unknown>> = {
  JSON: jsonSchemaChecker,
  AVRO: avroChecker,
  PROTOBUF: protobufChecker,
};

/**
 * May `candidate` be registered after `previousVersionsOldestFirst` under `level`?
 * BACKWARD: the candidate reads data written with the latest previous version; FORWARD: the
 * latest previous version reads data written with the candidate; FULL: both; the
 * `_TRANSITIVE` levels check every previous version, not only the latest; NONE checks nothing.
 * Schemas are JSON values: a JSON Schema, an Avro schema as Avro parses it, or a protobufjs
 * JSON descriptor (`protobuf.parse(text).root.toJSON()`). A schema that is not valid throws a
 * `SluiceError` with code `invalid_schema`.
 *
 * @example
 * checkCompatibility('JSON', 'BACKWARD', { type: 'object', properties: { a: {}, b: { type: 'string' } } }, [{ type: 'object', properties: { a: {} } }])
 * // { compatible: false, messages: [{ path: '#/properties/b', kind: 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', ... }] }
 */
export function checkCompatibility(
  format: SchemaFormat,
  level: CompatibilityLevel,
  candidate: unknown,
  previousVersionsOldestFirst: readonly unknown[],
  options: CompatibilityOptions = {},
): CompatibilityResult {
  const checker = checkers[format];
  const next = checker.parse(candidate);
  const plan = planChecks(level, previousVersionsOldestFirst.length);
  const parsed = new Map<number, unknown>();
  const messages: Incompatibility[] = [];
  const seen = new Set<string>();
  const count = previousVersionsOldestFirst.length;
  for (const { previous, direction } of plan) {
    let old = parsed.get(previous);
    if (old === undefined) {
      old = checker.parse(previousVersionsOldestFirst[previous]);
      parsed.set(previous, old);
    }
    const label = options.previousLabels?.[previous] ?? (previous === count - 1 ? 'the previous schema' : `previous schema #${previous + 1}`);
    const roles: Roles =
      direction === 'BACKWARD'
        ? { reader: 'the new schema', writer: label, newIsReader: true }
        : { reader: label, writer: 'the new schema', newIsReader: false };
    const [reader, writer] = direction === 'BACKWARD' ? [next, old] : [old, next];
    for (const finding of checker.check(reader, writer, roles, options)) {
      // A finding that reads the same both ways (a reused reserved number) is reported once.
      const key = `${previous} ${finding.kind} ${finding.path} ${finding.message}`;
      if (seen.has(key)) continue;
      seen.add(key);
      messages.push({ ...finding, message: capitalise(finding.message), previous, direction });
    }
  }
  return { compatible: messages.length === 0, messages };
}

/** Messages may start with a role ("the previous schema ..."); a sentence starts with a capital. */
function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
