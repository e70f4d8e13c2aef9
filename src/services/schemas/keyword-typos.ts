/**
 * A JSON Schema keyword misspelled (`"propertes"`) is an unknown keyword, which JSON Schema
 * ignores: the schema is accepted and then checks nothing there. Sluice refuses such a schema
 * when an unknown keyword is one or two edits away from a known one, and names it. Other
 * unknown keywords (`x-…`, `javaType`, `connect.type`, OpenAPI's `example`) stay allowed, as the drafts allow them.
 */
import type { ErrorDetail } from '../../domain/errors.ts';

const keywords = [
  '$schema',
  '$id',
  '$ref',
  '$defs',
  '$anchor',
  '$dynamicRef',
  '$dynamicAnchor',
  '$comment',
  '$vocabulary',
  'definitions',
  'type',
  'enum',
  'const',
  'title',
  'description',
  'default',
  'examples',
  'deprecated',
  'readOnly',
  'writeOnly',
  'format',
  'properties',
  'patternProperties',
  'additionalProperties',
  'unevaluatedProperties',
  'required',
  'propertyNames',
  'minProperties',
  'maxProperties',
  'dependentRequired',
  'dependentSchemas',
  'dependencies',
  'items',
  'prefixItems',
  'additionalItems',
  'unevaluatedItems',
  'contains',
  'minContains',
  'maxContains',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minLength',
  'maxLength',
  'pattern',
  'contentEncoding',
  'contentMediaType',
  'contentSchema',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
];
/** Keywords of other vocabularies (OpenAPI, code generators, older drafts) that are near a standard one but meant. */
const extensions = [
  'example',
  'nullable',
  'discriminator',
  'externalDocs',
  'javaType',
  'javaName',
  'javaInterfaces',
  'tsType',
  'extends',
  'optional',
  'divisibleBy',
  'disallow',
];
const known = new Set([...keywords, ...extensions]);
/** Keywords whose value is a schema. */
const oneSchema = [
  'additionalProperties',
  'unevaluatedProperties',
  'propertyNames',
  'additionalItems',
  'unevaluatedItems',
  'contains',
  'not',
  'if',
  'then',
  'else',
  'contentSchema',
];
/** Keywords whose value maps names to schemas. */
const schemaMaps = ['properties', 'patternProperties', '$defs', 'definitions', 'dependentSchemas'];
/** Keywords whose value is a list of schemas. */
const schemaLists = ['allOf', 'anyOf', 'oneOf', 'prefixItems'];

/** Every unknown keyword that looks like a misspelled known one, with its path and the keyword meant. */
export function misspelledKeywords(schema: unknown): ErrorDetail[] {
  const found: ErrorDetail[] = [];
  const visit = (node: unknown, path: string): void => {
    if (typeof node !== 'object' || node === null || Array.isArray(node)) return;
    const record = node as Record<string, unknown>;
    for (const [key, value] of Object.entries(record)) {
      const here = `${path}/${escape(key)}`;
      if (!known.has(key)) {
        const meant = closest(key);
        if (meant !== undefined) found.push({ path: here, reason: `unknown keyword "${key}": did you mean "${meant}"? (an unknown keyword checks nothing)` });
        continue;
      }
      if (oneSchema.includes(key)) visit(value, here);
      else if (key === 'items') (Array.isArray(value) ? value : [value]).forEach((item, i) => visit(item, Array.isArray(value) ? `${here}/${i}` : here));
      else if (schemaLists.includes(key) && Array.isArray(value)) value.forEach((item, i) => visit(item, `${here}/${i}`));
      else if (schemaMaps.includes(key) && typeof value === 'object' && value !== null)
        for (const [name, sub] of Object.entries(value)) visit(sub, `${here}/${escape(name)}`);
      else if (key === 'dependencies' && typeof value === 'object' && value !== null)
        for (const [name, sub] of Object.entries(value)) if (!Array.isArray(sub)) visit(sub, `${here}/${escape(name)}`);
    }
  };
  visit(schema, '');
  return found;
}

/** The known keyword within two edits of `word` (one for short words), if any. */
function closest(word: string): string | undefined {
  if (word.length < 4 || word.startsWith('x-')) return undefined;
  const allowed = word.length < 7 ? 1 : 2;
  let best: string | undefined;
  let bestDistance = allowed + 1;
  for (const keyword of keywords) {
    if (Math.abs(keyword.length - word.length) > allowed) continue;
    const distance = editDistance(word.toLowerCase(), keyword.toLowerCase());
    if (distance < bestDistance) {
      best = keyword;
      bestDistance = distance;
    }
  }
  return bestDistance <= allowed ? best : undefined;
}

/** Levenshtein distance, with a swap of two neighbours counted as one edit. */
function editDistance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

function escape(segment: string): string {
  return segment.replaceAll('~', '~0').replaceAll('/', '~1');
}
