import type { ArrayNode, CombinedNode, JsonNode, NumberNode, ObjectNode, StringNode } from './model.ts';

/**
 * Confluent's JSON Schema diff: every difference between an original schema (the writer) and
 * an updated one (the reader), named with Confluent's difference types. A change is compatible
 * when the reader still accepts everything the writer accepted; `compatibleKinds` lists the
 * kinds that are, and a diff is compatible when all its kinds are.
 */
export interface JsonDiff {
  /** Path segments below the compared pair. */
  path: string[];
  kind: string;
  /** Values for the message: the keyword, its writer (`was`) and reader (`now`) values, the property. */
  detail: DiffDetail;
}

export interface DiffDetail {
  keyword?: string;
  was?: unknown;
  now?: unknown;
  property?: string;
  /** Enum values the writer allows and the reader does not. */
  missing?: string;
}

export const compatibleKinds: ReadonlySet<string> = new Set([
  'SCHEMA_REMOVED',
  'TYPE_EXTENDED',
  'MAX_LENGTH_INCREASED',
  'MAX_LENGTH_REMOVED',
  'MIN_LENGTH_DECREASED',
  'MIN_LENGTH_REMOVED',
  'PATTERN_REMOVED',
  'MAXIMUM_INCREASED',
  'MAXIMUM_REMOVED',
  'MINIMUM_DECREASED',
  'MINIMUM_REMOVED',
  'EXCLUSIVE_MAXIMUM_INCREASED',
  'EXCLUSIVE_MAXIMUM_REMOVED',
  'EXCLUSIVE_MINIMUM_DECREASED',
  'EXCLUSIVE_MINIMUM_REMOVED',
  'MULTIPLE_OF_REDUCED',
  'MULTIPLE_OF_REMOVED',
  'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED',
  'REQUIRED_ATTRIBUTE_REMOVED',
  'DEPENDENCY_ARRAY_NARROWED',
  'DEPENDENCY_ARRAY_REMOVED',
  'DEPENDENCY_SCHEMA_REMOVED',
  'MAX_PROPERTIES_INCREASED',
  'MAX_PROPERTIES_REMOVED',
  'MIN_PROPERTIES_DECREASED',
  'MIN_PROPERTIES_REMOVED',
  'ADDITIONAL_PROPERTIES_ADDED',
  'ADDITIONAL_PROPERTIES_EXTENDED',
  'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL',
  'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'MAX_ITEMS_INCREASED',
  'MAX_ITEMS_REMOVED',
  'MIN_ITEMS_DECREASED',
  'MIN_ITEMS_REMOVED',
  'UNIQUE_ITEMS_REMOVED',
  'MAX_CONTAINS_INCREASED',
  'MAX_CONTAINS_REMOVED',
  'MIN_CONTAINS_DECREASED',
  'MIN_CONTAINS_REMOVED',
  'ADDITIONAL_ITEMS_ADDED',
  'ADDITIONAL_ITEMS_EXTENDED',
  'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL',
  'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL',
  'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL',
  'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
  'ENUM_ARRAY_EXTENDED',
  'COMBINED_TYPE_EXTENDED',
  'PRODUCT_TYPE_NARROWED',
  'SUM_TYPE_EXTENDED',
  'NOT_TYPE_NARROWED',
]);

export function isCompatible(diffs: readonly JsonDiff[]): boolean {
  return diffs.every((diff) => compatibleKinds.has(diff.kind));
}

/**
 * Compares `original` (what the data was written with) to `update` (what reads it).
 *
 * @example new JsonSchemaDiff().compare(stringNode, numberNode) // [{ path: [], kind: 'TYPE_CHANGED', ... }]
 */
export class JsonSchemaDiff {
  // Results per node pair; a pair met again while in progress is a cycle of a recursive
  // schema, compatible unless proven otherwise (as Avro and Confluent treat recursion).
  private readonly memo = new Map<JsonNode, Map<JsonNode, JsonDiff[]>>();
  private readonly inProgress = new Map<JsonNode, Set<JsonNode>>();

  compare(original: JsonNode | undefined, update: JsonNode | undefined): JsonDiff[] {
    if (original === undefined && update === undefined) return [];
    if (original === undefined) return [diff([], 'SCHEMA_ADDED')];
    if (update === undefined) return [diff([], 'SCHEMA_REMOVED')];
    const cached = this.memo.get(original)?.get(update);
    if (cached !== undefined) return cached;
    const busy = this.inProgress.get(original) ?? new Set<JsonNode>();
    if (busy.has(update)) return [];
    busy.add(update);
    this.inProgress.set(original, busy);
    const result = this.calculate(original, update);
    busy.delete(update);
    const row = this.memo.get(original) ?? new Map<JsonNode, JsonDiff[]>();
    row.set(update, result);
    this.memo.set(original, row);
    return result;
  }

  private calculate(original: JsonNode, update: JsonNode): JsonDiff[] {
    // A single failed comparison against a one-branch combination says more than TYPE_CHANGED.
    let precise: JsonDiff[] | undefined;
    if (original.k !== 'combined' && update.k === 'combined') {
      if (update.subs.length === 1) {
        const only = this.compare(original, update.subs[0]);
        if (isCompatible(only)) return only;
        precise = only;
      } else if (update.criterion !== 'allOf') {
        // A reader union accepts the old schema when one of its branches does.
        for (const sub of update.subs) {
          const branch = this.compare(original, sub);
          if (isCompatible(branch)) return [...branch, diff([], 'SUM_TYPE_EXTENDED')];
        }
      }
    } else if (original.k === 'combined' && update.k !== 'combined') {
      if (original.subs.length === 1) {
        const only = this.compare(original.subs[0], update);
        if (isCompatible(only)) return only;
        precise = only;
      } else if (original.criterion === 'allOf') {
        // Dropping parts of an allOf (`"enum"` beside `"type"`) only loosens it.
        for (const sub of original.subs) {
          const part = this.compare(sub, update);
          if (isCompatible(part)) return [...part, diff([], 'PRODUCT_TYPE_NARROWED')];
        }
      }
    }
    if (original.k !== update.k) {
      // Nothing was valid under `false`, and everything is valid under `{}`/`true`.
      if (original.k === 'false' || update.k === 'empty') return [];
      return precise ?? [diff([], 'TYPE_CHANGED', { was: describe(original), now: describe(update) })];
    }
    switch (original.k) {
      case 'string':
        return stringDiff(original, update as StringNode);
      case 'number':
        return numberDiff(original, update as NumberNode);
      case 'object':
        return this.objectDiff(original, update as ObjectNode);
      case 'array':
        return this.arrayDiff(original, update as ArrayNode);
      case 'combined':
        return this.combinedDiff(original, update as CombinedNode);
      case 'enum':
        return enumDiff(original.canon, (update as typeof original).canon);
      case 'const':
        return original.canon === (update as typeof original).canon
          ? []
          : [diff(['const'], 'ENUM_ARRAY_CHANGED', { keyword: 'const', was: original.canon, now: (update as typeof original).canon, missing: original.canon })];
      case 'not': {
        // `not` reverses the roles: the reader may forbid less than the writer did.
        const inner = this.compare((update as typeof original).not, original.not);
        return [diff(['not'], isCompatible(inner) ? 'NOT_TYPE_NARROWED' : 'NOT_TYPE_EXTENDED')];
      }
      case 'ref':
        return original.ref === (update as typeof original).ref ? [] : [diff([], 'TYPE_CHANGED', { was: original.ref, now: (update as typeof original).ref })];
      default:
        return [];
    }
  }

  private objectDiff(original: ObjectNode, update: ObjectNode): JsonDiff[] {
    const diffs: JsonDiff[] = [];
    for (const name of original.properties.keys()) {
      if (!update.properties.has(name)) continue;
      const was = original.required.has(name);
      const now = update.required.has(name);
      if (was && !now) diffs.push(diff(['required', name], 'REQUIRED_ATTRIBUTE_REMOVED', { property: name }));
      if (!was && now) {
        diffs.push(
          diff(['required', name], update.defaults.has(name) ? 'REQUIRED_ATTRIBUTE_WITH_DEFAULT_ADDED' : 'REQUIRED_ATTRIBUTE_ADDED', { property: name }),
        );
      }
    }
    const names = new Set([...original.properties.keys(), ...update.properties.keys()]);
    for (const name of names) diffs.push(...this.propertyDiff(original, update, name));
    diffs.push(...this.dependencyDiff(original, update));
    diffs.push(...this.openness(['additionalProperties'], original.additional, update.additional, 'ADDITIONAL_PROPERTIES'));
    diffs.push(...bound(['maxProperties'], original.maxProperties, update.maxProperties, 'MAX_PROPERTIES'));
    diffs.push(...bound(['minProperties'], original.minProperties, update.minProperties, 'MIN_PROPERTIES'));
    return diffs;
  }

  private propertyDiff(original: ObjectNode, update: ObjectNode, name: string): JsonDiff[] {
    const path = ['properties', name];
    const detail = { property: name };
    const was = original.properties.get(name);
    const now = update.properties.get(name);
    if (now === undefined) {
      // Only the reader's content model decides whether it still accepts the property.
      if (isOpenObject(update)) return [diff(path, 'PROPERTY_REMOVED_FROM_OPEN_CONTENT_MODEL', detail)];
      const cover = partialSchema(update, name);
      if (cover !== undefined) {
        const inner = prefix(path, this.compare(was, cover));
        return [
          ...inner,
          diff(
            path,
            isCompatible(inner)
              ? 'PROPERTY_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'
              : 'PROPERTY_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
            detail,
          ),
        ];
      }
      return [diff(path, was?.k === 'false' ? 'PROPERTY_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL' : 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL', detail)];
    }
    if (was === undefined) {
      // Only the writer's content model decides what data may already hold under this name.
      if (isOpenObject(original)) {
        return [diff(path, now.k === 'empty' ? 'PROPERTY_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL' : 'PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', detail)];
      }
      const diffs: JsonDiff[] = [];
      const cover = partialSchema(original, name);
      if (cover !== undefined) {
        const inner = prefix(path, this.compare(cover, now));
        diffs.push(
          ...inner,
          diff(
            path,
            isCompatible(inner) ? 'PROPERTY_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
            detail,
          ),
        );
      }
      if (!update.required.has(name)) diffs.push(diff(path, 'OPTIONAL_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', detail));
      else if (update.defaults.has(name)) diffs.push(diff(path, 'REQUIRED_PROPERTY_WITH_DEFAULT_ADDED_TO_UNOPEN_CONTENT_MODEL', detail));
      else diffs.push(diff(path, 'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', detail));
      return diffs;
    }
    return prefix(path, this.compare(was, now));
  }

  private dependencyDiff(original: ObjectNode, update: ObjectNode): JsonDiff[] {
    const diffs: JsonDiff[] = [];
    for (const name of new Set([...original.dependencyArrays.keys(), ...update.dependencyArrays.keys()])) {
      const path = ['dependencies', name];
      const was = original.dependencyArrays.get(name);
      const now = update.dependencyArrays.get(name);
      const detail = { keyword: 'dependencies', property: name, was, now };
      if (now === undefined) diffs.push(diff(path, 'DEPENDENCY_ARRAY_REMOVED', detail));
      else if (was === undefined) diffs.push(diff(path, 'DEPENDENCY_ARRAY_ADDED', detail));
      else if (!sameSet(was, now)) {
        if (now.every((item) => was.includes(item))) diffs.push(diff(path, 'DEPENDENCY_ARRAY_NARROWED', detail));
        else if (was.every((item) => now.includes(item))) diffs.push(diff(path, 'DEPENDENCY_ARRAY_EXTENDED', detail));
        else diffs.push(diff(path, 'DEPENDENCY_ARRAY_CHANGED', detail));
      }
    }
    for (const name of new Set([...original.dependencySchemas.keys(), ...update.dependencySchemas.keys()])) {
      const path = ['dependencies', name];
      const was = original.dependencySchemas.get(name);
      const now = update.dependencySchemas.get(name);
      if (now === undefined) diffs.push(diff(path, 'DEPENDENCY_SCHEMA_REMOVED', { property: name }));
      else if (was === undefined) diffs.push(diff(path, 'DEPENDENCY_SCHEMA_ADDED', { property: name }));
      else diffs.push(...prefix(path, this.compare(was, now)));
    }
    return diffs;
  }

  /** additionalProperties / additionalItems: true (open), false (closed) or a schema. */
  private openness(path: string[], was: boolean | JsonNode, now: boolean | JsonNode, name: 'ADDITIONAL_PROPERTIES' | 'ADDITIONAL_ITEMS'): JsonDiff[] {
    const keyword = name === 'ADDITIONAL_PROPERTIES' ? 'additionalProperties' : 'additionalItems';
    const permitsWas = was !== false;
    const permitsNow = now !== false;
    if (permitsWas !== permitsNow) return [diff(path, permitsNow ? `${name}_ADDED` : `${name}_REMOVED`, { keyword })];
    if (was === true && typeof now === 'object') return [diff(path, `${name}_NARROWED`, { keyword })];
    if (typeof was === 'object' && now === true) return [diff(path, `${name}_EXTENDED`, { keyword })];
    if (typeof was === 'object' && typeof now === 'object') return prefix(path, this.compare(was, now));
    return [];
  }

  private arrayDiff(original: ArrayNode, update: ArrayNode): JsonDiff[] {
    const diffs = prefix(['items'], this.compare(original.items, update.items));
    const shared = Math.min(original.tuple.length, update.tuple.length);
    for (let i = 0; i < shared; i++) diffs.push(...prefix(['items', String(i)], this.compare(original.tuple[i], update.tuple[i])));
    for (let i = shared; i < original.tuple.length; i++) diffs.push(...this.itemRemoved(i, original.tuple[i] as JsonNode, update));
    for (let i = shared; i < update.tuple.length; i++) diffs.push(...this.itemAdded(i, original, update.tuple[i] as JsonNode));
    diffs.push(...this.openness(['additionalItems'], original.additional, update.additional, 'ADDITIONAL_ITEMS'));
    diffs.push(...bound(['maxItems'], original.maxItems, update.maxItems, 'MAX_ITEMS'));
    diffs.push(...bound(['minItems'], original.minItems, update.minItems, 'MIN_ITEMS'));
    if (original.uniqueItems !== update.uniqueItems) {
      diffs.push(
        diff(['uniqueItems'], original.uniqueItems ? 'UNIQUE_ITEMS_REMOVED' : 'UNIQUE_ITEMS_ADDED', {
          keyword: 'uniqueItems',
          was: original.uniqueItems,
          now: update.uniqueItems,
        }),
      );
    }
    diffs.push(...bound(['maxContains'], original.maxContains, update.maxContains, 'MAX_CONTAINS'));
    diffs.push(...bound(['minContains'], original.minContains, update.minContains, 'MIN_CONTAINS'));
    return diffs;
  }

  private itemRemoved(index: number, was: JsonNode, update: ArrayNode): JsonDiff[] {
    const path = ['items', String(index)];
    if (update.additional === true) return [diff(path, 'ITEM_REMOVED_FROM_OPEN_CONTENT_MODEL')];
    if (typeof update.additional === 'object') {
      const inner = prefix(path, this.compare(was, update.additional));
      return [
        ...inner,
        diff(
          path,
          isCompatible(inner) ? 'ITEM_REMOVED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_REMOVED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL',
        ),
      ];
    }
    return [diff(path, was.k === 'false' ? 'ITEM_WITH_FALSE_REMOVED_FROM_CLOSED_CONTENT_MODEL' : 'ITEM_REMOVED_FROM_CLOSED_CONTENT_MODEL')];
  }

  private itemAdded(index: number, original: ArrayNode, now: JsonNode): JsonDiff[] {
    const path = ['items', String(index)];
    if (original.additional === true)
      return [diff(path, now.k === 'empty' ? 'ITEM_WITH_EMPTY_SCHEMA_ADDED_TO_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_TO_OPEN_CONTENT_MODEL')];
    if (typeof original.additional === 'object') {
      const inner = prefix(path, this.compare(original.additional, now));
      return [
        ...inner,
        diff(path, isCompatible(inner) ? 'ITEM_ADDED_IS_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL' : 'ITEM_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL'),
      ];
    }
    return [diff(path, 'ITEM_ADDED_TO_CLOSED_CONTENT_MODEL')];
  }

  private combinedDiff(original: CombinedNode, update: CombinedNode): JsonDiff[] {
    const diffs: JsonDiff[] = [];
    const criteria = criteriaChange(original, update);
    if (criteria !== undefined) diffs.push(diff([], criteria, { was: original.criterion, now: update.criterion }));
    if (criteria === 'COMBINED_TYPE_CHANGED') return diffs;
    const from = original.subs;
    const to = update.subs;
    // More subschemas are a product's when the new schema is allOf. Fewer are a product's too when
    // the original was allOf: data it accepted meets every one of its subschemas, so it meets
    // those the new schema (allOf, anyOf or oneOf) keeps, as Confluent counts it.
    if (from.length < to.length)
      diffs.push(diff([], update.criterion === 'allOf' ? 'PRODUCT_TYPE_EXTENDED' : 'SUM_TYPE_EXTENDED', { was: from.length, now: to.length }));
    if (from.length > to.length)
      diffs.push(
        diff([], original.criterion === 'allOf' || update.criterion === 'allOf' ? 'PRODUCT_TYPE_NARROWED' : 'SUM_TYPE_NARROWED', {
          was: from.length,
          now: to.length,
        }),
      );
    // Pair each writer subschema with a reader subschema that accepts it (a maximum matching).
    const edges = from.map((sub, i) =>
      to.map((other) => {
        const found = prefix(subPath(original, i), this.compare(sub, other));
        return isCompatible(found) ? found : undefined;
      }),
    );
    const match = maximumMatching(edges.map((row) => row.map((found) => found !== undefined)));
    match.forEach((j, i) => {
      if (j !== undefined) diffs.push(...(edges[i]?.[j] ?? []));
    });
    const matched = match.filter((j) => j !== undefined).length;
    if (matched < Math.min(from.length, to.length)) diffs.push(...this.unmatched(original, update, match));
    return diffs;
  }

  /** Why no full matching exists: the failing comparison of same-kind parts where there is one. */
  private unmatched(original: CombinedNode, update: CombinedNode, match: (number | undefined)[]): JsonDiff[] {
    const used = new Set(match.filter((j) => j !== undefined));
    const reasons: JsonDiff[] = [];
    original.subs.forEach((sub, i) => {
      if (match[i] !== undefined) return;
      const twins = update.subs.filter((other, j) => !used.has(j) && other.k === sub.k);
      if (twins.length !== 1) return;
      reasons.push(...prefix(subPath(original, i), this.compare(sub, twins[0])).filter((found) => !compatibleKinds.has(found.kind)));
    });
    return reasons.length > 0 ? reasons : [diff([], 'COMBINED_TYPE_SUBSCHEMAS_CHANGED')];
  }
}

/** Where a subschema is: `allOf/1`, or nowhere for the parts of one schema object (`"type"` with `"enum"`). */
function subPath(node: CombinedNode, index: number): string[] {
  return node.synthetic ? [] : [node.criterion, String(index)];
}

function criteriaChange(original: CombinedNode, update: CombinedNode): string | undefined {
  if (original.criterion === update.criterion) return undefined;
  if (update.criterion === 'anyOf') return 'COMBINED_TYPE_EXTENDED';
  const single = (node: CombinedNode): boolean => node.subs.length === 1;
  // From allOf to oneOf: what met all of the subschemas meets those kept; the matching decides.
  if (original.criterion === 'allOf' && update.criterion === 'oneOf') return 'COMBINED_TYPE_EXTENDED';
  if (update.criterion === 'oneOf') return single(original) ? 'COMBINED_TYPE_EXTENDED' : 'COMBINED_TYPE_CHANGED';
  return single(original) && single(update) ? 'COMBINED_TYPE_EXTENDED' : 'COMBINED_TYPE_CHANGED';
}

function stringDiff(original: StringNode, update: StringNode): JsonDiff[] {
  const diffs = [
    ...bound(['maxLength'], original.maxLength, update.maxLength, 'MAX_LENGTH'),
    ...bound(['minLength'], original.minLength, update.minLength, 'MIN_LENGTH'),
  ];
  const detail = { keyword: 'pattern', was: original.pattern, now: update.pattern };
  if (original.pattern === undefined && update.pattern !== undefined) diffs.push(diff(['pattern'], 'PATTERN_ADDED', detail));
  else if (original.pattern !== undefined && update.pattern === undefined) diffs.push(diff(['pattern'], 'PATTERN_REMOVED', detail));
  else if (original.pattern !== update.pattern) diffs.push(diff(['pattern'], 'PATTERN_CHANGED', detail));
  return diffs;
}

function numberDiff(original: NumberNode, update: NumberNode): JsonDiff[] {
  const diffs = [
    ...bound(['maximum'], original.maximum, update.maximum, 'MAXIMUM'),
    ...bound(['minimum'], original.minimum, update.minimum, 'MINIMUM'),
    ...bound(['exclusiveMaximum'], original.exclusiveMaximum, update.exclusiveMaximum, 'EXCLUSIVE_MAXIMUM'),
    ...bound(['exclusiveMinimum'], original.exclusiveMinimum, update.exclusiveMinimum, 'EXCLUSIVE_MINIMUM'),
  ];
  const was = original.multipleOf;
  const now = update.multipleOf;
  const detail = { keyword: 'multipleOf', was, now };
  if (was !== now) {
    if (was === undefined) diffs.push(diff(['multipleOf'], 'MULTIPLE_OF_ADDED', detail));
    else if (now === undefined) diffs.push(diff(['multipleOf'], 'MULTIPLE_OF_REMOVED', detail));
    else if (isMultiple(now, was)) diffs.push(diff(['multipleOf'], 'MULTIPLE_OF_EXPANDED', detail));
    else if (isMultiple(was, now)) diffs.push(diff(['multipleOf'], 'MULTIPLE_OF_REDUCED', detail));
    else diffs.push(diff(['multipleOf'], 'MULTIPLE_OF_CHANGED', detail));
  }
  if (original.integer !== update.integer) {
    diffs.push(
      diff([], original.integer ? 'TYPE_EXTENDED' : 'TYPE_NARROWED', {
        was: original.integer ? 'integer' : 'number',
        now: update.integer ? 'integer' : 'number',
      }),
    );
  }
  return diffs;
}

/** Whether `a` is a whole multiple of `b`, tolerant of binary fractions (0.1 * 3). */
function isMultiple(a: number, b: number): boolean {
  const ratio = a / b;
  return Math.abs(ratio - Math.round(ratio)) < 1e-9;
}

function enumDiff(was: string[], now: string[]): JsonDiff[] {
  if (sameSet(was, now)) return [];
  const detail = { keyword: 'enum', was: `[${was.join(', ')}]`, now: `[${now.join(', ')}]`, missing: was.filter((value) => !now.includes(value)).join(', ') };
  if (was.every((value) => now.includes(value))) return [diff(['enum'], 'ENUM_ARRAY_EXTENDED', detail)];
  if (now.every((value) => was.includes(value))) return [diff(['enum'], 'ENUM_ARRAY_NARROWED', detail)];
  return [diff(['enum'], 'ENUM_ARRAY_CHANGED', detail)];
}

/** A numeric keyword (maxLength, minimum, ...): added, removed, increased or decreased. */
function bound(path: string[], was: number | undefined, now: number | undefined, name: string): JsonDiff[] {
  if (was === now) return [];
  const detail = { keyword: path[path.length - 1] as string, was, now };
  if (was === undefined) return [diff(path, `${name}_ADDED`, detail)];
  if (now === undefined) return [diff(path, `${name}_REMOVED`, detail)];
  return [diff(path, now > was ? `${name}_INCREASED` : `${name}_DECREASED`, detail)];
}

function isOpenObject(node: ObjectNode): boolean {
  return node.patternProperties.length === 0 && node.additional === true;
}

/** The schema a partially open object applies to an undeclared property, if any. */
function partialSchema(node: ObjectNode, name: string): JsonNode | undefined {
  const match = node.patternProperties.find((entry) => entry.test(name));
  if (match !== undefined) return match.schema;
  return typeof node.additional === 'object' ? node.additional : undefined;
}

/** A maximum bipartite matching (augmenting paths); `result[i]` is the column row i got. */
function maximumMatching(adjacent: boolean[][]): (number | undefined)[] {
  const columns = adjacent[0]?.length ?? 0;
  const owner: (number | undefined)[] = Array.from({ length: columns }, () => undefined);
  const augment = (row: number, seen: boolean[]): boolean => {
    for (let column = 0; column < columns; column++) {
      if (!adjacent[row]?.[column] || seen[column]) continue;
      seen[column] = true;
      const current = owner[column];
      if (current === undefined || augment(current, seen)) {
        owner[column] = row;
        return true;
      }
    }
    return false;
  };
  adjacent.forEach((_, row) =>
    augment(
      row,
      Array.from({ length: columns }, () => false),
    ),
  );
  const result: (number | undefined)[] = adjacent.map(() => undefined);
  owner.forEach((row, column) => {
    if (row !== undefined) result[row] = column;
  });
  return result;
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.every((value) => b.includes(value)) && b.every((value) => a.includes(value));
}

function diff(path: string[], kind: string, detail: DiffDetail = {}): JsonDiff {
  return { path, kind, detail };
}

function prefix(head: string[], diffs: JsonDiff[]): JsonDiff[] {
  return diffs.map((found) => ({ ...found, path: [...head, ...found.path] }));
}

/** A short name for a schema in messages. */
export function describe(node: JsonNode, depth = 0): string {
  switch (node.k) {
    case 'empty':
      return 'any value';
    case 'false':
      return 'no value';
    case 'number':
      return node.integer ? 'integer' : 'number';
    case 'combined':
      // Recursive schemas nest combinations in themselves; two levels say enough.
      return depth > 1 ? node.criterion : `${node.criterion} of ${node.subs.map((sub) => describe(sub, depth + 1)).join(', ')}`;
    case 'enum':
      return `enum [${node.canon.join(', ')}]`;
    case 'const':
      return `const ${node.canon}`;
    case 'not':
      return 'not';
    case 'ref':
      return `$ref ${node.ref}`;
    default:
      return node.k;
  }
}
