import type { SchemaDoc, SchemaFormat, SchemaReferenceDoc } from '../../domain/catalog-docs.ts';
import { SluiceError } from '../../domain/errors.ts';

/**
 * Schema references (Confluent's `references: [{name, subject, version}]`): a schema may use
 * types of other registered schemas of the same tenant. `name` is how the referring schema
 * names the other one: a `$ref` of JSON Schema, an `import` of Protobuf; Avro uses the full
 * names of the types the referenced schema defines.
 */

/** A reference as clients send and read it. */
export interface SchemaReference {
  name: string;
  subject: string;
  version: number;
}

/** A schema a referring schema needs, with the name it is known by. */
export interface Dependency {
  /** Every name the referring schemas use for it (usually one). */
  names: string[];
  format: SchemaFormat;
  text: string;
}

/** How deep references may chain, how many schemas one schema may pull in, and how much text in all. */
export const maxReferenceDepth = 16;
export const maxDependencies = 64;
export const maxDependencyBytes = 1024 * 1024;
const maxReferences = 64;

/**
 * Reads the `references` of a request: an array of `{name, subject, version}` with a non-empty
 * name, a subject string and a version (1 to 2^31-1, or -1 for the latest). Names are unique.
 *
 * @throws SluiceError `invalid_schema`
 */
export function parseReferences(raw: unknown): { name: string; subject: string; version: number | 'latest' }[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw new SluiceError('invalid_schema', 'references must be an array of {name, subject, version}');
  if (raw.length > maxReferences) throw new SluiceError('invalid_schema', `a schema may have at most ${maxReferences} references`);
  const names = new Set<string>();
  return raw.map((item: unknown, index) => {
    const where = `references[${index}]`;
    if (typeof item !== 'object' || item === null || Array.isArray(item))
      throw new SluiceError('invalid_schema', `${where} must be an object {name, subject, version}`);
    const { name, subject, version } = item as { name?: unknown; subject?: unknown; version?: unknown };
    if (typeof name !== 'string' || name === '' || name.length > 512) throw new SluiceError('invalid_schema', `${where}.name must be a non-empty string`);
    if (typeof subject !== 'string' || subject === '') throw new SluiceError('invalid_schema', `${where}.subject must be a non-empty string`);
    if (names.has(name)) throw new SluiceError('invalid_schema', `${where}.name "${name}" is used by another reference`);
    names.add(name);
    if (version === -1 || version === 'latest' || version === '-1') return { name, subject, version: 'latest' as const };
    const number = typeof version === 'string' && /^\d{1,10}$/.test(version) ? Number(version) : version;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 1 || number > 2 ** 31 - 1) {
      throw new SluiceError('invalid_schema', `${where}.version must be a version number (or -1 for the latest)`);
    }
    return { name, subject, version: number };
  });
}

/** The references as answers show them: without the stored schema ids. */
export function publicReferences(references: readonly SchemaReferenceDoc[] | undefined): SchemaReference[] {
  return (references ?? []).map(({ name, subject, version }) => ({ name, subject, version }));
}

/**
 * Every schema `references` pulls in, directly or through the referenced schemas' own
 * references, dependencies first (so each can be parsed after what it uses), each once.
 * `schemaOf` reads a stored schema by id.
 *
 * @throws SluiceError `invalid_schema` on a cycle, a chain deeper than {@link maxReferenceDepth},
 * more than {@link maxDependencies} schemas, more than {@link maxDependencyBytes} of text, or
 * two different schemas under one name
 */
export function collectDependencies(references: readonly SchemaReferenceDoc[] | undefined, schemaOf: (id: number) => SchemaDoc): Dependency[] {
  const ordered: Dependency[] = [];
  const byName = new Map<string, number>();
  const done = new Map<number, Dependency>();
  let bytes = 0;
  const visit = (refs: readonly SchemaReferenceDoc[], path: readonly number[]): void => {
    for (const ref of refs) {
      if (path.includes(ref.schemaId)) throw new SluiceError('invalid_schema', `the references form a cycle through ${ref.subject} version ${ref.version}`);
      if (path.length >= maxReferenceDepth) throw new SluiceError('invalid_schema', `references chain deeper than ${maxReferenceDepth} schemas`);
      const known = byName.get(ref.name);
      if (known !== undefined && known !== ref.schemaId)
        throw new SluiceError('invalid_schema', `two different schemas are referenced by the name "${ref.name}"`);
      byName.set(ref.name, ref.schemaId);
      const seen = done.get(ref.schemaId);
      if (seen !== undefined) {
        // A schema reached under two names (`a.proto` here, `b.proto` there) is known by both.
        if (!seen.names.includes(ref.name)) seen.names.push(ref.name);
        continue;
      }
      const doc = schemaOf(ref.schemaId);
      visit(doc.references ?? [], [...path, ref.schemaId]);
      const dependency: Dependency = { names: [ref.name], format: doc.format, text: doc.schema };
      done.set(ref.schemaId, dependency);
      bytes += Buffer.byteLength(doc.schema);
      if (done.size > maxDependencies) throw new SluiceError('invalid_schema', `the references pull in more than ${maxDependencies} schemas`);
      if (bytes > maxDependencyBytes) throw new SluiceError('invalid_schema', `the referenced schemas hold more than ${maxDependencyBytes / 1024} KiB`);
      ordered.push(dependency);
    }
  };
  visit(references ?? [], []);
  return ordered;
}

/**
 * A JSON Schema with each `{"$ref": "<name>"}` of a dependency replaced by that schema, so
 * compatibility rules compare what a reference means rather than its name. A `$ref` with a
 * fragment (`name#/…`), or to a dependency that has `$ref`s of its own to `#…`, stays as it is.
 */
export function inlineJsonReferences(schema: unknown, dependencies: readonly Dependency[]): unknown {
  if (dependencies.length === 0) return schema;
  const byName = new Map<string, unknown>();
  for (const dependency of dependencies) {
    const parsed = JSON.parse(dependency.text) as unknown;
    if (dependency.text.includes('"$ref":"#')) continue;
    const body =
      typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? withoutKeys(parsed as Record<string, unknown>, ['$id', '$schema']) : parsed;
    for (const name of dependency.names) byName.set(name, body);
  }
  const walk = (node: unknown, depth: number): unknown => {
    if (typeof node !== 'object' || node === null || depth > maxReferenceDepth * 64) return node;
    if (Array.isArray(node)) return node.map((item) => walk(item, depth + 1));
    const record = node as Record<string, unknown>;
    const ref = record.$ref;
    if (typeof ref === 'string' && byName.has(ref) && depth <= maxReferenceDepth * 64) {
      const rest = withoutKeys(record, ['$ref']);
      const target = walk(byName.get(ref), depth + 1);
      if (Object.keys(rest).length === 0) return target;
      // `$ref` next to other keywords: both apply, as allOf says.
      const siblings = walk(rest, depth + 1) as Record<string, unknown>;
      return { ...siblings, allOf: [...(Array.isArray(siblings.allOf) ? (siblings.allOf as unknown[]) : []), target] };
    }
    return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, walk(value, depth + 1)]));
  };
  return walk(schema, 0);
}

function withoutKeys(record: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([key]) => !keys.includes(key)));
}
